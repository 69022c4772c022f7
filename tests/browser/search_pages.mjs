// Searches the site as a reader does, in real headless Chromium, and reports what was found.
//
// Called by tests/browser/test_search.py with one argument, a JSON file:
//   { "chromium": "...", "toolsDir": "...", "axe": ".../axe.min.js", "origin": "http://127.0.0.1:N",
//     "userDataDir": "<fresh folder>",
//     "visits": [{ "name", "path", "query": "<typed into the form>" | null,
//                  "section": "<chosen in the form>" | null, "masthead": bool,
//                  "javascript": bool, "axe": bool }] }
// Each visit opens `path` on `origin` (the site server, with the template's headers), types
// `query` into the search page's form (or, with `masthead`, into the masthead's box of the
// page, which leads to /cerca/), picks `section`, presses Enter and waits for the page to
// say what it found. Prints { "visits": [{ name, status, headers, statusText, results:
// [{ title, href, section, date, datetime, image, excerpt, marks }], address, injected,
// noJsVisible, sectionLinks, dialogs, cspViolations, consoleErrors, pageErrors,
// failedRequests, externalRequests, axe }] }.
// `javascript: false` opens the page with JavaScript off. axe-core is an inline script,
// which the search page's policy refuses: the axe visits run in a context that bypasses
// the policy (its own visits, without axe, are the policy's test).

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const require = createRequire(resolve(config.toolsDir, "package.json"));
const { chromium } = require("playwright-core");

const browser = await chromium.launch({
  executablePath: config.chromium,
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

function isLocal(url) {
  if (url.startsWith("data:") || url.startsWith("about:") || url.startsWith("blob:")) return true;
  const host = new URL(url).hostname;
  return host === "127.0.0.1" || host === "localhost";
}

async function visit(spec) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    locale: "it-IT",
    timezoneId: "Europe/Rome",
    javaScriptEnabled: spec.javascript !== false,
    bypassCSP: Boolean(spec.axe),
  });
  const page = await context.newPage();
  const result = { name: spec.name, consoleErrors: [], pageErrors: [], failedRequests: [],
                   externalRequests: [] };
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (isLocal(url)) return route.continue();
    result.externalRequests.push(url);
    return route.abort();
  });
  page.on("console", (m) => { if (m.type() === "error") result.consoleErrors.push(m.text()); });
  page.on("pageerror", (error) => result.pageErrors.push(String(error)));
  result.dialogs = [];
  page.on("dialog", async (dialog) => {
    result.dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  page.on("requestfailed", (r) => result.failedRequests.push(`${r.url()} ${r.failure()?.errorText ?? ""}`));
  page.on("response", (r) => { if (r.status() >= 400) result.failedRequests.push(`${r.url()} ${r.status()}`); });
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (event) =>
      window.__cspViolations.push({ directive: event.effectiveDirective, blocked: event.blockedURI }), true);
  });
  const response = await page.goto(config.origin + spec.path, { waitUntil: "load", timeout: 30000 });
  result.status = response ? response.status() : null;
  result.headers = response ? await response.allHeaders() : {};
  let asked = /[?&]q=/.test(spec.path);
  if (spec.masthead) {
    // the box in the masthead of any page: a plain form, to /cerca/?q=…
    await page.fill("#masthead-cerca", spec.query);
    await Promise.all([page.waitForURL(/\/cerca\//), page.press("#masthead-cerca", "Enter")]);
    asked = true;
  } else if (spec.query !== null && spec.query !== undefined) {
    if (spec.section) await page.selectOption("#cerca-sezione", { label: spec.section });
    await page.fill("#cerca-parole", spec.query);
    await page.press("#cerca-parole", "Enter");
    asked = true;
  }
  if (spec.javascript !== false && asked) {
    // The page has answered when its status is neither "searching" nor its first words.
    await page.waitForFunction(
      () => {
        const text = document.querySelector("[data-search-status]").textContent;
        const script = document.getElementById("cerca-script").dataset;
        return text !== script.loading && text !== script.results;
      },
      null,
      { timeout: 20000 },
    );
  }
  const status = await page.$("[data-search-status]");
  result.statusText = status ? (await status.textContent()).trim() : null;
  result.address = page.url();
  result.results = await page.$$eval("[data-search-list] > li", (items) =>
    items.map((item) => ({
      title: item.querySelector(".teaser__title a")?.textContent ?? null,
      href: item.querySelector(".teaser__title a")?.getAttribute("href") ?? null,
      section: item.querySelector(".teaser__section")?.textContent ?? null,
      sectionHref: item.querySelector(".teaser__section")?.getAttribute("href") ?? null,
      date: item.querySelector("time")?.textContent ?? null,
      datetime: item.querySelector("time")?.getAttribute("datetime") ?? null,
      image: item.querySelector("img")?.getAttribute("src") ?? null,
      excerpt: item.querySelector(".search__excerpt")?.textContent ?? null,
      marks: Array.from(item.querySelectorAll(".search__excerpt mark")).map((m) => m.textContent),
    })),
  );
  // elements in the results that search.js does not make (what an excerpt or a headline
  // could smuggle in): only article, img, div, h3, a, p, time, mark and li are its own
  result.injected = await page.$$eval(
    "[data-search-list] *",
    (nodes) => nodes.filter((n) => !["ARTICLE", "IMG", "DIV", "H3", "A", "P", "TIME", "MARK", "LI"].includes(n.tagName)).length,
  );
  result.noJsVisible = await page.isVisible("[data-search-nojs]");
  result.sectionLinks = await page.$$eval("[data-search-nojs] a", (links) => links.map((a) => a.getAttribute("href")));
  if (result.results.length) {
    // every picture of a result really loads
    // every picture of a result really loads (lazy ones once scrolled to, as a reader does)
    result.brokenImages = await page.$$eval("[data-search-list] img", async (images) => {
      for (const image of images) {
        image.scrollIntoView();
        if (!image.complete) {
          await new Promise((done) => {
            image.addEventListener("load", done, { once: true });
            image.addEventListener("error", done, { once: true });
            setTimeout(done, 5000);
          });
        }
      }
      return images.filter((i) => i.naturalWidth === 0).map((i) => i.src);
    });
  }
  if (spec.javascript !== false) {
    // violation events are queued tasks: let any still pending run (no timers without JS)
    await page.evaluate(() => new Promise((done) => setTimeout(done, 0)));
    result.cspViolations = await page.evaluate(() => window.__cspViolations ?? []);
  }
  if (spec.axe) {
    await page.addScriptTag({ content: readFileSync(config.axe, "utf8") });
    const axe = await page.evaluate(async () => window.axe.run(document, { resultTypes: ["violations"] }));
    result.axe = axe.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) }));
  }
  await context.close();
  return result;
}

const visits = [];
try {
  for (const spec of config.visits) visits.push(await visit(spec));
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify({ visits }));
