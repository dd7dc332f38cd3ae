// The header's search box: results as you type, and the keyboard through them.
//
// Each pause in typing (250 ms) loads the results page into <main> the way page navigation does
// (player/nav.js), leaving the header, and so the box and its caret, untouched; while one keeps
// typing on the results page, the history entry is replaced rather than added, so Back leaves
// search in one step. Enter searches at once. Only the latest query's results ever show: each load
// aborts the one before it (nav.js), so a slow answer to "no" cannot land over the one to "north".
//
// The focus stays in the box while ArrowDown / ArrowUp move a highlight through the results,
// across the sections in the order shown (past the last one, back to the box's own text); the box's
// aria-activedescendant names the highlighted result, and a polite live region says it too, for
// screen readers that do not follow aria-activedescendant on a text box. Enter opens the
// highlighted result's page: for a song as for an album, because Enter in a search box means
// "go there" and the same key must not start audio on one row and open a page on the next (a
// song's row keeps its own play button, one Tab away). Escape drops the highlight, then clears the
// box; from inside the results it brings the focus back to the box. "/" focuses the box from
// anywhere but a text field. Without JavaScript the box is a plain GET form to the same page.

import { navigate } from "./player/nav.js";

const DEBOUNCE_MS = 250;
const RESULTS_PATH = "/search";
const OPTIONS = "[data-search-results] [data-search-section] :is(.track-title, .card__title) > a[href]";
const HIGHLIGHT = "search-highlight";

let timer = null;
let lastQuery = null;
let highlighted = -1; // index into options(), -1 for none

function resultsUrl(query) {
  return `${RESULTS_PATH}?q=${encodeURIComponent(query)}`;
}

function searchBox() {
  return document.querySelector("[data-search-input]");
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

// --- The highlight ---------------------------------------------------------------------------------

function options() {
  return [...document.querySelectorAll(OPTIONS)];
}

function optionRow(option) {
  return option.closest(".track-row, .card") || option;
}

function clearHighlight() {
  document.querySelectorAll(`.${HIGHLIGHT}`).forEach((row) => row.classList.remove(HIGHLIGHT));
  searchBox()?.removeAttribute("aria-activedescendant");
  highlighted = -1;
}

function highlight(index) {
  const all = options();
  clearHighlight();
  if (index < 0 || index >= all.length) {
    announce("");
    return;
  }
  const option = all[index];
  option.id ||= `search-option-${index}`;
  highlighted = index;
  const row = optionRow(option);
  row.classList.add(HIGHLIGHT);
  row.scrollIntoView({ block: "nearest" });
  searchBox()?.setAttribute("aria-activedescendant", option.id);
  const kind = option.closest("[data-search-section]").dataset.searchSection;
  announce(`${option.textContent.trim()}, ${kind}, ${index + 1} of ${all.length}`);
}

function announce(text) {
  const region = document.querySelector("[data-search-announcer]");
  if (region) {
    region.textContent = text;
  }
}

// The box controls the results while there are some on the page: a new page (a search, or any
// navigation) starts without a highlight.
function linkBoxToResults() {
  const box = searchBox();
  if (!box) {
    return;
  }
  highlighted = -1;
  box.removeAttribute("aria-activedescendant");
  if (options().length) {
    box.setAttribute("aria-controls", "search-results");
    box.setAttribute("aria-describedby", "search-keys");
  } else {
    box.removeAttribute("aria-controls");
    box.removeAttribute("aria-describedby");
  }
}

function move(step) {
  const count = options().length;
  // Positions 0..count-1 are the results and `count` is the box's own text, so stepping wraps
  // through the box: Down from the last result, Up from the first, land back in the text.
  const from = highlighted < 0 ? count : highlighted;
  const to = (from + step + count + 1) % (count + 1);
  highlight(to === count ? -1 : to);
}

// --- Events ----------------------------------------------------------------------------------------

document.addEventListener("input", (event) => {
  if (!event.target.matches?.("[data-search-input]")) {
    return;
  }
  clearTimeout(timer);
  clearHighlight(); // the results are about to change under it
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

// Going elsewhere (a link, Back) drops a search still waiting for the pause in typing, which
// would otherwise pull the page back to the results.
document.addEventListener("click", (event) => event.target.closest?.("a[href]") && clearTimeout(timer), true);
window.addEventListener("popstate", () => clearTimeout(timer));
document.addEventListener("streamify:navigated", linkBoxToResults);

function boxKeys(event, box) {
  const count = options().length;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    if (count) {
      event.preventDefault();
      move(event.key === "ArrowDown" ? 1 : -1);
    }
  } else if (event.key === "Enter" && highlighted >= 0 && highlighted < count) {
    event.preventDefault(); // not the form's submit: open the result
    clearTimeout(timer);
    options()[highlighted].click(); // nav.js takes the click and swaps <main>
  } else if (event.key === "Escape") {
    if (highlighted >= 0) {
      event.preventDefault();
      clearHighlight();
      announce("");
    } else if (box.value) {
      event.preventDefault();
      box.value = "";
    }
  }
}

document.addEventListener("keydown", (event) => {
  if (event.isComposing || event.altKey || event.ctrlKey || event.metaKey) {
    return; // an input method's Enter, or a browser shortcut
  }
  const target = event.target;
  const box = searchBox();
  if (box && target === box) {
    boxKeys(event, box);
    return;
  }
  if (box && event.key === "Escape" && !event.defaultPrevented && target.closest?.("[data-search-results]")) {
    event.preventDefault();
    box.focus();
    return;
  }
  const typing = target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
  if (box && event.key === "/" && !typing) {
    event.preventDefault();
    box.focus();
    box.select();
  }
});

linkBoxToResults();
