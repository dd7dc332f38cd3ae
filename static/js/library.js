// The library controls on every track row, for signed-in listeners (templates/playlists/_row_actions.html):
//
// - the heart likes and unlikes a song (PUT / DELETE /v1/me/library?uris=). The catalog's pages
//   cannot know your library (imports point down, DESIGN.md), so the hearts' states are asked for
//   here, for the whole page at once: GET /v1/me/library/contains?uris=, fifty URIs a call;
// - "Add to playlist" opens a menu of the playlists you can add to (yours and the collaborative
//   ones, from GET /v1/me/playlists) and "New playlist…"; adding POSTs /v1/playlists/{id}/items and
//   says so in a toast. The menu is a WAI-ARIA menu button: arrow keys, Home and End move, Escape
//   and Tab close it, focus goes back to the button;
// - the library page's "New playlist" creates one through the API and opens it in place.
//
// Page navigation swaps <main> (player/nav.js), so all of this is delegated from the document and
// re-run on `streamify:navigated` (and on `streamify:rows`, when more rows scroll in).

import { api } from "./player/api.js";
import { navigate } from "./player/nav.js";
import "./radio.js"; // "Go to radio", for signed-in listeners like everything here

const CONTAINS_BATCH = 50; // the API's limit per call

const me = document.body.dataset.user || "";

export function toast(title, message = "", kind = "info") {
  window.streamifyPlayer?.toast({ title, message, kind });
}

// --- Hearts ---------------------------------------------------------------------------------

function hearts(uri) {
  return [...document.querySelectorAll("[data-like]")].filter((button) => button.dataset.like === uri);
}

function setLiked(uri, liked) {
  for (const button of hearts(uri)) {
    button.setAttribute("aria-pressed", String(liked));
    button.dataset.likeState = "known";
  }
}

async function loadHearts() {
  const unknown = [...document.querySelectorAll('[data-like][data-like-state="unknown"]')];
  const uris = [...new Set(unknown.map((button) => button.dataset.like))];
  for (const button of unknown) {
    button.dataset.likeState = "loading";
  }
  for (let start = 0; start < uris.length; start += CONTAINS_BATCH) {
    const batch = uris.slice(start, start + CONTAINS_BATCH);
    try {
      const answers = await api(`/v1/me/library/contains?uris=${batch.map(encodeURIComponent).join(",")}`);
      batch.forEach((uri, index) => setLiked(uri, Boolean(answers[index])));
    } catch {
      for (const uri of batch) {
        for (const button of hearts(uri)) {
          button.dataset.likeState = "unknown"; // asked again on the next page or rows
        }
      }
    }
  }
}

async function toggleLike(button) {
  if (button.dataset.likeState !== "known") {
    return; // its state is still being asked for
  }
  const uri = button.dataset.like;
  const liked = button.getAttribute("aria-pressed") !== "true";
  setLiked(uri, liked);
  try {
    await api(`/v1/me/library?uris=${encodeURIComponent(uri)}`, { method: liked ? "PUT" : "DELETE" });
    toast(liked ? "Added to Liked Songs" : "Removed from Liked Songs", button.closest(".track-row")?.querySelector(".track-title a")?.textContent || "");
    if (!liked) {
      document.dispatchEvent(new CustomEvent("streamify:unliked", { detail: { uri, button } }));
    }
  } catch (error) {
    setLiked(uri, !liked);
    toast("Could not change Liked Songs", error.message, "error");
  }
}

// --- "Add to playlist" menu -------------------------------------------------------------------

let menu = null; // the one menu element, moved next to whichever button opened it
let opener = null;

function buildMenu() {
  menu = document.createElement("div");
  menu.className = "menu";
  menu.id = "add-to-playlist-menu";
  menu.setAttribute("role", "menu");
  menu.hidden = true;
  menu.addEventListener("keydown", menuKeys);
  menu.addEventListener("click", (event) => {
    const item = event.target.closest('[role="menuitem"]');
    if (item && item.getAttribute("aria-disabled") !== "true") {
      choose(item);
    }
  });
  document.body.append(menu);
}

function items() {
  return [...menu.querySelectorAll('[role="menuitem"]')];
}

function menuItem(label, data) {
  const item = document.createElement("button");
  item.type = "button";
  item.className = "menu__item";
  item.setAttribute("role", "menuitem");
  item.tabIndex = -1;
  item.textContent = label;
  item.dir = "auto";
  Object.assign(item.dataset, data);
  return item;
}

function renderMenu(playlists) {
  menu.replaceChildren();
  const heading = document.createElement("p");
  heading.className = "menu__heading";
  heading.id = "add-to-playlist-heading";
  heading.textContent = "Add to playlist";
  menu.append(heading);
  if (playlists === null) {
    const loading = menuItem("Loading your playlists…", {});
    loading.setAttribute("aria-disabled", "true");
    menu.append(loading);
    return;
  }
  menu.append(menuItem("New playlist…", { newPlaylist: "" }));
  if (playlists.length) {
    const separator = document.createElement("div");
    separator.setAttribute("role", "separator");
    separator.className = "menu__separator";
    menu.append(separator);
  }
  for (const playlist of playlists) {
    menu.append(menuItem(playlist.name, { playlistId: playlist.id, playlistName: playlist.name }));
  }
}

// The playlists a track can be added to: yours, and collaborative ones (which only their owner
// and collaborators can see, so any in your library is one you may edit).
async function editablePlaylists() {
  const all = await libraryPlaylists();
  return all.filter((playlist) => playlist.owner?.id === me || playlist.collaborative);
}

// Every playlist in your library, following the paging's `next` links (50 a page; at most 40 pages).
async function libraryPlaylists() {
  const playlists = [];
  let url = "/v1/me/playlists?limit=50";
  for (let pages = 0; url && pages < 40; pages += 1) {
    const page = await api(url);
    playlists.push(...(page.items || []));
    url = page.next ? new URL(page.next).pathname + new URL(page.next).search : null;
  }
  return playlists;
}

function place(button) {
  const rect = button.getBoundingClientRect();
  menu.style.minWidth = "14rem";
  const width = menu.offsetWidth;
  const height = menu.offsetHeight;
  let left = rect.right - width + window.scrollX;
  left = Math.max(8 + window.scrollX, Math.min(left, window.scrollX + document.documentElement.clientWidth - width - 8));
  const below = rect.bottom + 4;
  // Above the button when it would run under the player bar at the bottom of the window.
  const room = window.innerHeight - (document.querySelector("[data-player-bar]")?.offsetHeight || 0) - 8;
  const top = below + height > room && rect.top - height - 4 > 0 ? rect.top - height - 4 : below;
  menu.style.left = `${left}px`;
  menu.style.top = `${top + window.scrollY}px`;
}

async function openMenu(button, { focusLast = false } = {}) {
  if (!menu) {
    buildMenu();
  }
  if (opener === button && !menu.hidden) {
    closeMenu();
    return;
  }
  closeMenu({ restoreFocus: false });
  opener = button;
  button.setAttribute("aria-expanded", "true");
  button.setAttribute("aria-controls", menu.id);
  menu.setAttribute("aria-label", `Add ${button.dataset.trackTitle} to a playlist`);
  renderMenu(null);
  menu.hidden = false;
  place(button);
  items()[0]?.focus();
  let playlists;
  try {
    playlists = await editablePlaylists();
  } catch (error) {
    closeMenu();
    toast("Could not load your playlists", error.message, "error");
    return;
  }
  if (opener !== button || menu.hidden) {
    return; // closed, or opened elsewhere, meanwhile
  }
  renderMenu(playlists);
  place(button);
  const all = items();
  (focusLast ? all[all.length - 1] : all[0])?.focus();
}

function closeMenu({ restoreFocus = true } = {}) {
  if (!menu || menu.hidden) {
    return;
  }
  menu.hidden = true;
  const button = opener;
  opener = null;
  if (button) {
    button.setAttribute("aria-expanded", "false");
    if (restoreFocus && button.isConnected) {
      button.focus();
    }
  }
}

function menuKeys(event) {
  const all = items().filter((item) => item.getAttribute("aria-disabled") !== "true");
  const index = all.indexOf(document.activeElement);
  let next = null;
  if (event.key === "ArrowDown") {
    next = all[(index + 1) % all.length];
  } else if (event.key === "ArrowUp") {
    next = all[(index - 1 + all.length) % all.length];
  } else if (event.key === "Home") {
    next = all[0];
  } else if (event.key === "End") {
    next = all[all.length - 1];
  } else if (event.key === "Escape") {
    event.preventDefault();
    event.stopPropagation();
    closeMenu();
    return;
  } else if (event.key === "Tab") {
    closeMenu({ restoreFocus: false });
    return;
  } else if (event.key.length === 1 && /\S/.test(event.key)) {
    // Type-ahead: the next item whose name starts with the letter typed.
    const letter = event.key.toLowerCase();
    const after = [...all.slice(index + 1), ...all.slice(0, index + 1)];
    next = after.find((item) => item.textContent.trim().toLowerCase().startsWith(letter)) || null;
  } else {
    return;
  }
  event.preventDefault();
  event.stopPropagation(); // not the player's shortcuts
  next?.focus();
}

async function choose(item) {
  const button = opener;
  const uri = button?.dataset.addToPlaylist;
  closeMenu();
  if (!uri) {
    return;
  }
  try {
    let id = item.dataset.playlistId;
    let name = item.dataset.playlistName;
    if (item.dataset.newPlaylist !== undefined) {
      const created = await createPlaylist();
      id = created.id;
      name = created.name;
    }
    await api(`/v1/playlists/${id}/items`, { method: "POST", body: { uris: [uri] } });
    toast(`Added to ${name}`, button.dataset.trackTitle || "");
    document.dispatchEvent(new CustomEvent("streamify:playlist-changed", { detail: { id } }));
  } catch (error) {
    toast("Could not add the song", error.message, "error");
  }
}

// "My Playlist #<n>", as Spotify names a new playlist, n counting the ones you own.
async function createPlaylist(name) {
  let chosen = name;
  if (!chosen) {
    let owned = 0;
    try {
      owned = (await libraryPlaylists()).filter((playlist) => playlist.owner?.id === me).length;
    } catch {
      owned = 0;
    }
    chosen = `My Playlist #${owned + 1}`;
  }
  return api("/v1/me/playlists", { method: "POST", body: { name: chosen } });
}

// --- Wiring -------------------------------------------------------------------------------------

if (me) {
  document.addEventListener("click", (event) => {
    const like = event.target.closest("[data-like]");
    if (like) {
      event.preventDefault();
      toggleLike(like);
      return;
    }
    const add = event.target.closest("[data-add-to-playlist]");
    if (add) {
      event.preventDefault();
      openMenu(add);
      return;
    }
    if (menu && !menu.hidden && !event.target.closest(".menu")) {
      closeMenu({ restoreFocus: false });
    }
  });
  document.addEventListener("keydown", (event) => {
    const add = event.target.closest?.("[data-add-to-playlist]");
    if (add && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      openMenu(add, { focusLast: event.key === "ArrowUp" });
    }
  });
  document.addEventListener("focusin", (event) => {
    if (menu && !menu.hidden && !menu.contains(event.target) && event.target !== opener) {
      closeMenu({ restoreFocus: false });
    }
  });
  window.addEventListener("resize", () => closeMenu({ restoreFocus: false }));

  document.addEventListener("submit", async (event) => {
    const form = event.target.closest?.("[data-new-playlist]");
    if (!form) {
      return;
    }
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      const playlist = await createPlaylist(form.dataset.name);
      await navigate(`/playlist/${playlist.id}`);
      toast(`Created ${playlist.name}`, "Rename it with “Edit details”.");
    } catch (error) {
      toast("Could not create the playlist", error.message, "error");
    } finally {
      button.disabled = false;
    }
  });

  document.addEventListener("streamify:navigated", () => {
    closeMenu({ restoreFocus: false });
    loadHearts();
  });
  document.addEventListener("streamify:rows", () => loadHearts());
  loadHearts();
}
