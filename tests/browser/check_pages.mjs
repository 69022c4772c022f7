// Loads rendered pages in real headless Chromium and reports what a reader would meet.
//
// Called by tests/browser/test_browser.py with one argument, a JSON file:
//   { "chromium": "/usr/bin/chromium", "axe": ".../axe.min.js", "root": "<site folder>",
//     "userDataDir": "<fresh folder>",
//     "pages": [{ "name", "path" | "url", "viewport": {width, height},
//                 "screenshot": "<png path>" | null, "fullPage": bool, "axe": bool,
//                 "computed": { "<name>": ["<css selector>", "<css property>"] } }] }
// `path` pages are served from `root` by a tiny static server on 127.0.0.1 (so root-relative
// links work as on the CDN); `url` pages (file://…, or http://127.0.0.1 of another server)
// are opened as they are. Every request that leaves this machine is aborted and reported.
// One browser launch for all pages. Prints one JSON object: { "pages": [{ name, status,
// headers, consoleErrors, pageErrors, failedRequests, externalRequests, cspViolations,
// stylesheets, computed, text, overflowX, firstFocus, axe: [...] }] }. `cspViolations`
// are the page's `securitypolicyviolation` events; `stylesheets` says, for each
// <link rel=stylesheet>, how many rules it applied (null: not loaded, e.g. blocked);
// `computed` maps each name to the first match's computed value (null: no match).
// `axe: false` skips axe-core, which is injected as an inline script (a CSP would block it).

import { readFileSync, existsSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { extname, join, normalize, resolve } from "node:path";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const require = createRequire(resolve(config.toolsDir, "package.json"));
const { chromium } = require("playwright-core");

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".xml": "application/xml; charset=utf-8",
};

function serve(root) {
  const server = createServer((request, response) => {
    const url = new URL(request.url, "http://127.0.0.1");
    let file = normalize(join(root, decodeURIComponent(url.pathname)));
    if (!file.startsWith(resolve(root))) {
      response.writeHead(400).end();
      return;
    }
    if (url.pathname.endsWith("/")) file = join(file, "index.html");
    if (existsSync(file) && statSync(file).isFile()) {
      response.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
      response.end(readFileSync(file));
    } else {
      response.writeHead(404, { "content-type": TYPES[".html"] });
      response.end(readFileSync(join(root, "404.html")));
    }
  });
  return new Promise((done) => server.listen(0, "127.0.0.1", () => done(server)));
}

function isLocal(url) {
  if (url.startsWith("file:") || url.startsWith("data:") || url.startsWith("about:")) return true;
  const host = new URL(url).hostname;
  return host === "127.0.0.1" || host === "localhost" || host === "[::1]";
}

const server = await serve(config.root);
const origin = `http://127.0.0.1:${server.address().port}`;
const context = await chromium.launchPersistentContext(config.userDataDir, {
  executablePath: config.chromium,
  headless: true,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
  viewport: { width: 1280, height: 900 },
  deviceScaleFactor: 1,
  locale: "it-IT",
  timezoneId: "Europe/Rome",
  reducedMotion: "reduce",
});

const results = [];
try {
  for (const spec of config.pages) {
    const page = await context.newPage();
    const result = {
      name: spec.name,
      status: null,
      consoleErrors: [],
      pageErrors: [],
      failedRequests: [],
      externalRequests: [],
    };
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (isLocal(url)) return route.continue();
      result.externalRequests.push(url);
      return route.abort();
    });
    // Only what the page itself logs counts: axe's own requests come after `loaded`.
    let loaded = false;
    page.on("console", (message) => {
      if (message.type() === "error" && !loaded) result.consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => result.pageErrors.push(String(error)));
    // Installed before the document parses, so no violation (even in <head>) is missed.
    await page.addInitScript(() => {
      // Layout shifts from the first paint on (CLS as Lighthouse counts it at load).
      window.__layoutShift = 0;
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          if (!entry.hadRecentInput) window.__layoutShift += entry.value;
        }
      }).observe({ type: "layout-shift", buffered: true });
      window.__cspViolations = [];
      document.addEventListener(
        "securitypolicyviolation",
        (event) =>
          window.__cspViolations.push({
            directive: event.effectiveDirective,
            blocked: event.blockedURI,
            sample: event.sample,
          }),
        true,
      );
    });
    page.on("requestfailed", (request) => {
      result.failedRequests.push(`${request.url()} ${request.failure()?.errorText ?? ""}`);
    });
    page.on("response", (response) => {
      if (response.status() >= 400) result.failedRequests.push(`${response.url()} ${response.status()}`);
    });
    await page.setViewportSize(spec.viewport ?? { width: 1280, height: 900 });
    const target = spec.url ?? origin + spec.path;
    const response = await page.goto(target, { waitUntil: "load", timeout: 30000 });
    result.status = response ? response.status() : null;
    result.headers = response ? await response.allHeaders() : {};
    // A reader scrolls: lazy images below the first screen load only then.
    await page.evaluate(async () => {
      const step = Math.max(200, Math.floor(window.innerHeight / 2));
      for (let y = 0; y < document.documentElement.scrollHeight; y += step) {
        window.scrollTo(0, y);
        await new Promise((done) => setTimeout(done, 20));
      }
      window.scrollTo(0, 0);
    });
    await page.waitForFunction(
      () => Array.from(document.images).every((image) => image.complete),
      null,
      { timeout: 10000 },
    );
    loaded = true;
    // Violation events are queued tasks: let any still pending run before reading them.
    await page.evaluate(() => new Promise((done) => setTimeout(done, 0)));
    result.cspViolations = await page.evaluate(() => window.__cspViolations ?? []);
    result.stylesheets = await page.evaluate(() =>
      Array.from(document.querySelectorAll('link[rel="stylesheet"]')).map((link) => {
        let rules = null;
        try {
          rules = link.sheet ? link.sheet.cssRules.length : null;
        } catch {
          rules = null; // a cross-origin sheet's rules cannot be read
        }
        return { href: link.href, rules };
      }),
    );
    if (spec.computed) {
      result.computed = await page.evaluate(
        (wanted) =>
          Object.fromEntries(
            Object.entries(wanted).map(([name, [selector, property]]) => {
              const element = document.querySelector(selector);
              const value = element && getComputedStyle(element).getPropertyValue(property).trim();
              return [name, element ? value : null];
            }),
          ),
        spec.computed,
      );
    }
    result.text = await page.evaluate(() => document.body.innerText);
    result.overflowX = await page.evaluate(
      () => document.scrollingElement.scrollWidth - document.documentElement.clientWidth,
    );
    // Let the last frame's shifts be reported before reading them.
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 50))));
    result.layoutShift = await page.evaluate(() => window.__layoutShift);
    result.viewportHeight = await page.evaluate(() => window.innerHeight);
    result.images = await page.evaluate(() =>
      Array.from(document.images).map((image) => {
        const box = image.getBoundingClientRect();
        const picture = image.parentElement?.tagName === "PICTURE" ? image.parentElement : null;
        return {
          src: image.getAttribute("src"),
          currentSrc: image.currentSrc,
          width: image.getAttribute("width"),
          height: image.getAttribute("height"),
          srcset: image.getAttribute("srcset"),
          sizes: image.getAttribute("sizes"),
          loading: image.getAttribute("loading"),
          fetchpriority: image.getAttribute("fetchpriority"),
          naturalWidth: image.naturalWidth,
          renderedWidth: box.width,
          renderedHeight: box.height,
          top: box.top + window.scrollY,
          sources: picture
            ? Array.from(picture.querySelectorAll("source")).map((s) => s.getAttribute("type"))
            : [],
        };
      }),
    );
    result.brokenImages = await page.evaluate(() =>
      Array.from(document.images)
        .filter((image) => image.naturalWidth === 0)
        .map((image) => image.currentSrc || image.src),
    );
    await page.keyboard.press("Tab");
    result.firstFocus = await page.evaluate(() => ({
      text: document.activeElement?.textContent?.trim() ?? "",
      href: document.activeElement?.getAttribute("href") ?? null,
    }));
    await page.keyboard.press("Escape");
    await page.evaluate(() => document.activeElement?.blur());
    if (spec.axe !== false) {
      await page.addScriptTag({ content: readFileSync(config.axe, "utf8") });
      // From disk, axe cannot fetch stylesheets for its CSSOM rules (file:// XHR is
      // refused); those rules need the CSSOM only, the rendered page is checked as usual.
      const preload = !target.startsWith("file:");
      const axe = await page.evaluate(
        async (preload) => window.axe.run(document, { resultTypes: ["violations"], preload }),
        preload,
      );
      result.axe = axe.violations.map((violation) => ({
        id: violation.id,
        impact: violation.impact,
        help: violation.help,
        nodes: violation.nodes.map((node) => node.target.join(" ")).slice(0, 5),
      }));
    }
    if (spec.screenshot) {
      await page.screenshot({ path: spec.screenshot, fullPage: Boolean(spec.fullPage) });
    }
    results.push(result);
    await page.close();
  }
} finally {
  await context.close();
  server.close();
}
process.stdout.write(JSON.stringify({ pages: results }));
