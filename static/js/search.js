// The header's search box: results as you type. Each pause in typing (250 ms) loads the results
// page into <main> the way page navigation does (player/nav.js), leaving the header, and so the
// box and its caret, untouched; while one keeps typing on the results page, the history entry is
// replaced rather than added, so Back leaves search in one step. Enter searches at once. "/"
// focuses the box from anywhere, ArrowDown moves from the box into the results, Escape clears it.
// Without JavaScript the box is a plain GET form to the same page.

import { navigate } from "./player/nav.js";

const DEBOUNCE_MS = 250;
const RESULTS_PATH = "/search";

let timer = null;
let lastQuery = null;

function resultsUrl(query) {
  return `${RESULTS_PATH}?q=${encodeURIComponent(query)}`;
}

function search(query, { typing }) {
  clearTimeout(timer);
  const trimmed = query.trim();
  if (trimmed === lastQuery && location.pathname === RESULTS_PATH) {
    return;
  }
  lastQuery = trimmed;
  const onResults = location.pathname === RESULTS_PATH;
  navigate(resultsUrl(trimmed), { replace: onResults && typing, swapHeader: false, moveFocus: !typing });
}

function firstResult() {
  return document.querySelector("[data-search-results] a[href], [data-search-results] button:not([disabled])");
}

document.addEventListener("input", (event) => {
  if (!event.target.matches?.("[data-search-input]")) {
    return;
  }
  clearTimeout(timer);
  const query = event.target.value;
  if (!query.trim() && location.pathname !== RESULTS_PATH) {
    return;
  }
  timer = setTimeout(() => search(query, { typing: true }), DEBOUNCE_MS);
});

document.addEventListener("submit", (event) => {
  const form = event.target.closest?.("[data-search-form]");
  if (!form) {
    return;
  }
  event.preventDefault();
  lastQuery = null; // Enter always searches, even for the text already shown
  search(form.querySelector("[data-search-input]").value, { typing: false });
});

document.addEventListener("keydown", (event) => {
  const target = event.target;
  if (target.matches?.("[data-search-input]")) {
    if (event.key === "ArrowDown") {
      const result = firstResult();
      if (result) {
        event.preventDefault();
        result.focus();
      }
    } else if (event.key === "Escape" && target.value) {
      event.preventDefault();
      target.value = "";
    }
    return;
  }
  const typing = target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
  if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
    const box = document.querySelector("[data-search-input]");
    if (box) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  }
});
