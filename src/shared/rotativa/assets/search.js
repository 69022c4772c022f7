// The search page (/cerca/): the form's words and section are looked up in the pagefind
// bundle beside the page, with pagefind's own library, and the results are drawn as the
// site's lists draw articles. Every text comes from the page (its language); nothing read
// from the index is parsed as HTML except pagefind's excerpt, of which only the text and
// its <mark>s are kept. Without this script the page says that search needs JavaScript.

const script = document.getElementById("cerca-script");
const form = document.querySelector(".search__form");
const input = document.getElementById("cerca-parole");
const section = document.getElementById("cerca-sezione");
const status = document.querySelector("[data-search-status]");
const list = document.querySelector("[data-search-list]");
const more = document.querySelector("[data-search-more]");
const PAGE = 10; // results drawn at a time

const text = (name, values = {}) =>
  script.dataset[name].replace(/\{(\w+)\}/g, (_, key) => String(values[key] ?? ""));
// The site's root, where result paths (`cronaca/x/`) start: the homepage's link.
const root = new URL(document.querySelector(".masthead__name a").getAttribute("href"), location.href);
const atRoot = (path) => (/^(https?:)?\/\//.test(path) ? path : new URL(path, root).pathname);

let pagefind = null;
let shown = [];
let asked = 0; // the newest search: an older one that answers late is dropped

async function library() {
  if (pagefind === null) {
    const bundle = new URL(script.dataset.bundle, location.href);
    pagefind = await import(new URL("pagefind.js", bundle).href);
    await pagefind.options({ basePath: bundle.pathname, baseUrl: root.pathname, excerptLength: 24 });
    await pagefind.init();
  }
  return pagefind;
}

function excerpt(html) {
  // pagefind marks the words found with <mark>; anything else is kept as text only
  const paragraph = document.createElement("p");
  paragraph.className = "teaser__summary search__excerpt";
  const parsed = new DOMParser().parseFromString(html, "text/html");
  for (const node of parsed.body.childNodes) {
    if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = node.textContent;
      paragraph.append(mark);
    } else {
      paragraph.append(node.textContent);
    }
  }
  return paragraph;
}

function teaser(data) {
  const meta = data.meta || {};
  const article = document.createElement("article");
  article.className = meta.image ? "teaser teaser--image" : "teaser";
  if (meta.image) {
    const img = document.createElement("img");
    img.className = "teaser__image";
    img.src = atRoot(meta.image);
    img.alt = ""; // the headline beside it names the story, as in the site's lists
    img.loading = "lazy";
    img.decoding = "async";
    if (meta.image_width && meta.image_height) {
      img.width = Number(meta.image_width);
      img.height = Number(meta.image_height);
    }
    article.append(img);
  }
  const body = document.createElement("div");
  body.className = "teaser__text";
  const title = document.createElement("h3");
  title.className = "teaser__title";
  const link = document.createElement("a");
  link.href = data.url;
  link.textContent = meta.title || data.url;
  title.append(link);
  const line = document.createElement("p");
  line.className = "teaser__meta";
  if (meta.section) {
    const sectionLink = document.createElement("a");
    sectionLink.className = "teaser__section";
    sectionLink.href = atRoot(meta.section_url || "");
    sectionLink.textContent = meta.section;
    line.append(sectionLink, " · ");
  }
  if (meta.date) {
    const time = document.createElement("time");
    time.dateTime = meta.datetime || "";
    time.textContent = meta.date;
    line.append(time);
  }
  body.append(title, line, excerpt(data.excerpt || ""));
  article.append(body);
  const item = document.createElement("li");
  item.append(article);
  return item;
}

async function drawMore() {
  const mine = asked;
  const next = shown.slice(list.children.length, list.children.length + PAGE);
  const data = await Promise.all(next.map((result) => result.data()));
  if (mine !== asked) return; // a newer search has begun drawing its own
  list.append(...data.map(teaser));
  more.hidden = list.children.length >= shown.length;
}

async function run(query, sezione) {
  const mine = ++asked;
  list.replaceChildren();
  more.hidden = true;
  if (!query.trim()) {
    status.textContent = text("results");
    return;
  }
  status.textContent = text("loading");
  try {
    const found = await (await library()).search(query, sezione ? { filters: { sezione } } : {});
    if (mine !== asked) return;
    shown = found.results;
    await drawMore();
    if (mine !== asked) return;
    // said once the results are on the page (the status is a live region)
    const count = shown.length;
    status.textContent =
      count === 0 ? text("none", { query }) : text(count === 1 ? "one" : "many", { query, count });
  } catch (error) {
    if (mine !== asked) return;
    console.error(error);
    status.textContent = text("failed");
  }
}

function fromAddress() {
  const params = new URLSearchParams(location.search);
  input.value = params.get("q") || "";
  if (section) section.value = params.get("sezione") || "";
  run(input.value, section ? section.value : "");
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const params = new URLSearchParams();
  if (input.value.trim()) params.set("q", input.value.trim());
  if (section && section.value) params.set("sezione", section.value);
  const query = params.toString();
  history.pushState(null, "", query ? `?${query}` : location.pathname);
  run(input.value, section ? section.value : "");
});
more.addEventListener("click", () => drawMore());
window.addEventListener("popstate", fromAddress);
document.querySelector("[data-search-nojs]").hidden = true;
fromAddress();
