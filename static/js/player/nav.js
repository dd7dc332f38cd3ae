// Page navigation that keeps the player alive: a click on a same-site page link fetches that page
// and swaps only <main> (plus the header, whose links mark the current page) and the title, then
// pushes the URL. Everything outside <main> — the player bar, its <audio> elements and the
// websocket — stays as it is. Pages with forms of their own (accounts, studio, admin) load as
// usual, and any failure falls back to an ordinary page load.

const FULL_LOAD_PREFIXES = ["/accounts/", "/studio/", "/admin/", "/v1/", "/stream/", "/media/", "/static/"];

function swappable(link, event) {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
    return false;
  }
  if (link.target && link.target !== "_self") {
    return false;
  }
  if (link.hasAttribute("download") || link.dataset.fullLoad !== undefined) {
    return false;
  }
  const url = new URL(link.href, location.href);
  if (url.origin !== location.origin || FULL_LOAD_PREFIXES.some((prefix) => url.pathname.startsWith(prefix))) {
    return false;
  }
  if (url.pathname === location.pathname && url.search === location.search && url.hash) {
    return false; // an anchor on this page
  }
  return true;
}

let controller = null;

// `replace`: replace the history entry instead of adding one (search results as one types).
// `swapHeader` / `moveFocus` false: leave the header (and the search box being typed in) and the
// focus where they are.
async function load(url, { push, replace = false, swapHeader = true, moveFocus = true }) {
  controller?.abort();
  controller = new AbortController();
  document.body.setAttribute("aria-busy", "true");
  try {
    const response = await fetch(url, {
      signal: controller.signal,
      headers: { Accept: "text/html", "X-Requested-With": "streamify-nav" },
      credentials: "same-origin",
    });
    const type = response.headers.get("Content-Type") || "";
    if (!type.includes("text/html")) {
      location.assign(url);
      return;
    }
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const main = page.querySelector("main#main");
    const current = document.querySelector("main#main");
    // A page that signs in or out changes what the player may show: load it in full.
    const samePerson = (page.body.dataset.user || "") === (document.body.dataset.user || "");
    if (!main || !current || !samePerson) {
      location.assign(response.url || url);
      return;
    }
    current.replaceWith(document.adoptNode(main));
    const header = page.querySelector("[data-site-header]");
    const currentHeader = document.querySelector("[data-site-header]");
    if (swapHeader && header && currentHeader) {
      currentHeader.replaceWith(document.adoptNode(header));
    }
    document.title = page.title;
    const finalUrl = response.redirected ? response.url : url;
    if (replace) {
      history.replaceState({ streamify: true }, "", finalUrl);
    } else if (push) {
      history.pushState({ streamify: true }, "", finalUrl);
    }
    const hash = new URL(finalUrl, location.href).hash;
    const target = hash ? document.getElementById(decodeURIComponent(hash.slice(1))) : null;
    if (target) {
      target.scrollIntoView();
    } else if (push) {
      window.scrollTo(0, 0);
    }
    // Move focus to the new content so keyboard and screen reader users start there, as after a
    // full page load; <main> has tabindex=-1 for this.
    if (moveFocus) {
      document.querySelector("main#main")?.focus({ preventScroll: true });
    }
    document.dispatchEvent(new CustomEvent("streamify:navigated", { detail: { url: finalUrl } }));
  } catch (error) {
    if (error.name !== "AbortError") {
      location.assign(url);
    }
  } finally {
    document.body.removeAttribute("aria-busy");
  }
}

// Navigate to a same-site page the way a link click does (see `load` for the options).
export function navigate(url, options = {}) {
  return load(url, { push: true, ...options });
}

export function startNavigation() {
  history.replaceState({ streamify: true }, "", location.href);
  document.addEventListener("click", (event) => {
    const link = event.target.closest?.("a[href]");
    if (!link || !swappable(link, event)) {
      return;
    }
    event.preventDefault();
    load(link.href, { push: true });
  });
  window.addEventListener("popstate", (event) => {
    if (event.state?.streamify) {
      load(location.href, { push: false });
    }
  });
}
