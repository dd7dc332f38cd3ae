// A playlist's page and Liked Songs (templates/playlists/):
//
// - Infinite scroll: the server renders the first hundred rows; the last row asks for the next
//   hundred as an HTML fragment (/playlist/<id>/rows?offset=, /collection/tracks/rows?offset=) when
//   it comes near the viewport (IntersectionObserver), or when its "Load more songs" is pressed.
// - Editors (the owner, and collaborators of a collaborative playlist) remove rows and reorder them
//   by drag and drop on a row's handle or with Arrow Up / Arrow Down on it. Each edit changes the
//   page at once and is sent as PUT or DELETE /v1/playlists/{id}/items with the page's snapshot_id,
//   one at a time in order. If the server refuses one (400: the positions do not hold any more), or
//   its answer shows that someone else edited meanwhile, the rows are reloaded and the page says so.
// - The owner renames and describes the playlist, makes it public or private, collaborative or not,
//   asks for an invite link and copies it, or deletes the playlist; others follow and unfollow it.
//
// The page is swapped into <main> by player/nav.js, so everything here is delegated from the
// document and set up again on `streamify:navigated`.

import { api } from "./player/api.js";
import { navigate } from "./player/nav.js";

const LOAD_AHEAD = "800px"; // start fetching the next rows this far below the viewport

function toast(title, message = "", kind = "info") {
  window.streamifyPlayer?.toast({ title, message, kind });
}

function page() {
  return document.querySelector("[data-playlist-page], [data-liked-page]");
}

function list() {
  return document.querySelector("ol[data-rows]");
}

function rows() {
  return [...(list()?.querySelectorAll(":scope > .track-row") || [])];
}

function announce(text) {
  const status = document.querySelector("[data-rows-status]");
  if (status) {
    status.textContent = "";
    // A fresh text node, so screen readers announce a repeat of the same words too.
    setTimeout(() => (status.textContent = text), 50);
  }
}

function plural(count, word) {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

// --- The edit queue ---------------------------------------------------------------------------
// Edits and row fetches run one after another, so each is stated against the snapshot the one
// before it produced, and a fetched page of rows lines up with the rows already shown.

let queue = Promise.resolve();
// Bumped whenever the rows are reloaded from the server: an edit queued before that was worked
// out on rows that are gone (its positions would name other songs now), so it is dropped.
let rowsGeneration = 0;

function enqueue(task) {
  const run = queue.then(task, task);
  queue = run.catch(() => {});
  return run;
}

// A snapshot id is base64 of "<version>:<playlist id>" (apps/playlists/snapshots.py). Reading the
// version tells whether an answer followed straight on from our snapshot or someone else edited too.
function snapshotVersion(snapshot) {
  try {
    const text = atob(snapshot.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(snapshot.length / 4) * 4, "="));
    return Number.parseInt(text.split(":")[0], 10);
  } catch {
    return Number.NaN;
  }
}

// --- Rows: numbering, the header, infinite scroll --------------------------------------------

function renumber() {
  rows().forEach((row, index) => {
    const number = row.querySelector(".num");
    if (number) {
      number.textContent = String(index + 1);
    }
  });
}

function setLength(total) {
  const root = page();
  if (!root) {
    return;
  }
  root.dataset.total = String(total);
  const length = root.querySelector("[data-playlist-length]");
  if (length) {
    length.textContent = plural(total, "song");
  }
  root.querySelector("[data-playlist-empty]")?.toggleAttribute("hidden", total > 0);
  root.querySelector("[data-playlist-head]")?.toggleAttribute("hidden", total === 0);
  root.querySelector("[data-playlist-play]")?.toggleAttribute("hidden", total === 0);
  root.querySelector("[data-playlist-duration-wrap]")?.toggleAttribute("hidden", total === 0);
}

function total() {
  const root = page();
  if (root?.dataset.total) {
    return Number(root.dataset.total);
  }
  const text = root?.querySelector("[data-playlist-length]")?.textContent || "0";
  return Number.parseInt(text, 10) || 0;
}

function durationText(ms) {
  const seconds = Math.round(ms / 1000);
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (hours) {
    return `${hours} hr ${minutes} min`;
  }
  return minutes ? `${minutes} min ${seconds % 60} sec` : `${seconds % 60} sec`;
}

function fragment(html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  return template.content;
}

let observer = null;

function observeMore() {
  observer?.disconnect();
  const more = list()?.querySelector("[data-rows-more]");
  if (!more) {
    return;
  }
  if (!("IntersectionObserver" in window)) {
    return; // its "Load more songs" button still works
  }
  observer = new IntersectionObserver(
    (entries) => {
      if (entries.some((entry) => entry.isIntersecting)) {
        observer.disconnect();
        loadMore();
      }
    },
    { rootMargin: `0px 0px ${LOAD_AHEAD} 0px` },
  );
  observer.observe(more);
}

async function fetchRows(url, offset) {
  const response = await fetch(`${url}?offset=${offset}`, {
    headers: { Accept: "text/html" },
    credentials: "same-origin",
  });
  if (!response.ok) {
    throw new Error(`Could not load the songs (${response.status}).`);
  }
  return { html: await response.text(), headers: response.headers };
}

function loadMore() {
  return enqueue(async () => {
    const ol = list();
    const more = ol?.querySelector("[data-rows-more]");
    if (!more || more.dataset.loading) {
      return;
    }
    more.dataset.loading = "true";
    const button = more.querySelector("[data-rows-load]");
    if (button) {
      button.textContent = "Loading more songs…";
      button.disabled = true;
    }
    const before = ol;
    try {
      // The offset is the rows shown, not the rows first rendered: removed rows moved the rest up.
      const { html, headers } = await fetchRows(more.dataset.rowsMore, rows().length);
      if (list() !== before) {
        return; // navigated away meanwhile
      }
      const snapshot = headers.get("X-Snapshot-Id");
      const root = page();
      if (snapshot && root.dataset.snapshotId && snapshot !== root.dataset.snapshotId) {
        // Edited elsewhere since these rows were drawn: the new ones would not line up.
        await reloadRows("This playlist was changed elsewhere, so its songs were reloaded.");
        return;
      }
      more.replaceWith(fragment(html));
      if (headers.get("X-Total")) {
        setLength(Number(headers.get("X-Total")));
      }
      document.dispatchEvent(new CustomEvent("streamify:rows"));
      window.streamifyPlayer?.markCurrentRows();
      observeMore();
    } catch (error) {
      delete more.dataset.loading;
      if (button) {
        button.textContent = "Load more songs";
        button.disabled = false;
      }
      toast("Could not load more songs", error.message, "error");
    }
  });
}

// Draws the rows again from the first (after an edit the server refused, or someone else's).
async function reloadRows(message) {
  rowsGeneration += 1;
  const ol = list();
  const root = page();
  if (!ol || !root) {
    return;
  }
  const more = ol.querySelector("[data-rows-more]");
  const url = more?.dataset.rowsMore || root.dataset.rowsUrl;
  const { html, headers } = await fetchRows(url, 0);
  ol.replaceChildren(fragment(html));
  if (headers.get("X-Snapshot-Id")) {
    root.dataset.snapshotId = headers.get("X-Snapshot-Id");
  }
  if (headers.get("X-Total")) {
    setLength(Number(headers.get("X-Total")));
  }
  if (headers.get("X-Duration")) {
    const duration = root.querySelector("[data-playlist-duration]");
    if (duration) {
      duration.textContent = headers.get("X-Duration");
    }
  }
  document.dispatchEvent(new CustomEvent("streamify:rows"));
  observeMore();
  window.streamifyPlayer?.markCurrentRows();
  if (message) {
    toast("Playlist updated", message);
    announce(message);
  }
}

// --- Editing items -------------------------------------------------------------------------------

function playlistId() {
  return page()?.dataset.playlistPage;
}

// Sends one edit with the page's snapshot; `undo` puts the page back if it fails.
function edit(method, body, { undo, describe }) {
  const generation = rowsGeneration;
  return enqueue(async () => {
    const root = page();
    const id = playlistId();
    if (!root || !id || generation !== rowsGeneration) {
      return;
    }
    const before = root.dataset.snapshotId;
    try {
      const answer = await api(`/v1/playlists/${id}/items`, { method, body: { ...body, snapshot_id: before } });
      if (page() !== root) {
        return;
      }
      const after = answer?.snapshot_id;
      if (after) {
        root.dataset.snapshotId = after;
        const gap = snapshotVersion(after) - snapshotVersion(before);
        if (gap > 1) {
          await reloadRows("Someone else edited this playlist too; it now shows everyone's changes.");
          return;
        }
      }
      if (describe) {
        announce(describe);
      }
    } catch (error) {
      if (page() !== root) {
        return;
      }
      if (error.status === 400 || error.status === 404 || error.status === 409) {
        await reloadRows("");
        toast("The playlist changed", `${error.message} The songs were reloaded: try again.`, "error");
      } else {
        undo?.();
        toast("Could not change the playlist", error.message, "error");
      }
    }
  });
}

// Moves the row at `from` so that it lands before the row that is at `insertBefore` now (Spotify's
// range_start / insert_before, both counted before the move).
function move(from, insertBefore, { focus = false } = {}) {
  const all = rows();
  if (from < 0 || from >= all.length || insertBefore < 0 || insertBefore > total()) {
    return;
  }
  if (insertBefore === from || insertBefore === from + 1) {
    return; // already there
  }
  const row = all[from];
  const reference = all[insertBefore] || list().querySelector("[data-rows-more]");
  const nextSibling = row.nextElementSibling;
  const ol = list();
  ol.insertBefore(row, reference || null);
  renumber();
  if (focus) {
    row.querySelector("[data-drag-handle]")?.focus();
  }
  const landed = rows().indexOf(row);
  const title = row.dataset.trackTitle || "Song";
  edit(
    "PUT",
    { range_start: from, insert_before: insertBefore },
    {
      undo: () => {
        if (row.isConnected) {
          ol.insertBefore(row, nextSibling);
          renumber();
        }
      },
      describe: `Moved ${title} to position ${landed + 1} of ${total()}.`,
    },
  );
}

function removeRow(row) {
  const position = rows().indexOf(row);
  if (position < 0) {
    return;
  }
  const uri = row.dataset.trackUri;
  const title = row.dataset.trackTitle || "Song";
  const durationMs = Number(row.dataset.durationMs || 0);
  const ol = list();
  const nextSibling = row.nextElementSibling;
  // Focus moves to the row that takes its place (or the one before), not to the page's start.
  const neighbour = row.nextElementSibling?.classList.contains("track-row")
    ? row.nextElementSibling
    : row.previousElementSibling;
  row.remove();
  renumber();
  const count = total() - 1;
  setLength(count);
  changeDuration(-durationMs);
  (neighbour?.querySelector("[data-remove-row]") || document.querySelector("main#main"))?.focus();
  edit(
    "DELETE",
    { items: [{ uri, positions: [position] }] },
    {
      undo: () => {
        ol.insertBefore(row, nextSibling?.isConnected ? nextSibling : null);
        renumber();
        setLength(count + 1);
        changeDuration(durationMs);
      },
      describe: `Removed ${title}.`,
    },
  );
  toast("Removed from the playlist", title);
}

function changeDuration(deltaMs) {
  const root = page();
  const element = root?.querySelector("[data-playlist-duration]");
  if (!element) {
    return;
  }
  const current = Number(root.dataset.durationMs || 0) || parseDuration(element.textContent);
  const next = Math.max(0, current + deltaMs);
  root.dataset.durationMs = String(next);
  element.textContent = durationText(next);
}

function parseDuration(text) {
  let ms = 0;
  for (const [, value, unit] of text.matchAll(/(\d+)\s*(hr|min|sec)/g)) {
    ms += Number(value) * { hr: 3_600_000, min: 60_000, sec: 1000 }[unit];
  }
  return ms;
}

// --- Drag and drop (HTML5) on a row's handle ---------------------------------------------------

let dragged = null;

function clearDropMarks() {
  for (const row of document.querySelectorAll(".drop-before, .drop-after")) {
    row.classList.remove("drop-before", "drop-after");
  }
}

function dropPosition(row, event) {
  const rect = row.getBoundingClientRect();
  return event.clientY < rect.top + rect.height / 2 ? "before" : "after";
}

function bindDragAndDrop() {
  // Only a press on the handle makes its row draggable, so text in the rows stays selectable.
  document.addEventListener("pointerdown", (event) => {
    const handle = event.target.closest?.("[data-drag-handle]");
    if (handle) {
      handle.closest(".track-row").draggable = true;
    }
  });
  document.addEventListener("pointerup", () => {
    for (const row of document.querySelectorAll(".track-row[draggable='true']")) {
      if (row !== dragged) {
        row.draggable = false;
      }
    }
  });
  document.addEventListener("dragstart", (event) => {
    const row = event.target.closest?.(".playlist-row[draggable='true']");
    if (!row) {
      return;
    }
    dragged = row;
    row.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", row.dataset.trackUri || "");
  });
  document.addEventListener("dragover", (event) => {
    if (!dragged) {
      return;
    }
    const row = event.target.closest?.(".playlist-row");
    if (!row || row.parentElement !== dragged.parentElement) {
      return;
    }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    clearDropMarks();
    if (row !== dragged) {
      row.classList.add(dropPosition(row, event) === "before" ? "drop-before" : "drop-after");
    }
  });
  document.addEventListener("drop", (event) => {
    if (!dragged) {
      return;
    }
    const row = event.target.closest?.(".playlist-row");
    event.preventDefault();
    clearDropMarks();
    if (!row || row === dragged || row.parentElement !== dragged.parentElement) {
      return;
    }
    const all = rows();
    const from = all.indexOf(dragged);
    const target = all.indexOf(row) + (dropPosition(row, event) === "before" ? 0 : 1);
    move(from, target);
  });
  document.addEventListener("dragend", () => {
    clearDropMarks();
    if (dragged) {
      dragged.classList.remove("is-dragging");
      dragged.draggable = false;
      dragged = null;
    }
  });
}

// --- The owner's and the followers' controls ----------------------------------------------------

function setKind(root, { publicState, collaborative }) {
  const kind = root.querySelector("[data-playlist-kind]");
  if (kind) {
    kind.textContent = collaborative ? "Collaborative playlist" : publicState ? "Public playlist" : "Private playlist";
  }
  const publicBox = root.querySelector('[data-setting="public"]');
  const collaborativeBox = root.querySelector('[data-setting="collaborative"]');
  if (publicBox) {
    publicBox.checked = publicState;
    publicBox.disabled = collaborative; // a collaborative playlist cannot be public
  }
  if (collaborativeBox) {
    collaborativeBox.checked = collaborative;
  }
}

async function changeSetting(box) {
  const root = page();
  const publicBox = root.querySelector('[data-setting="public"]');
  const collaborativeBox = root.querySelector('[data-setting="collaborative"]');
  // The box has already flipped: what it was is the opposite.
  const was = {
    publicState: box === publicBox ? !publicBox.checked : publicBox.checked,
    collaborative: box === collaborativeBox ? !collaborativeBox.checked : collaborativeBox.checked,
  };
  let body;
  if (box === collaborativeBox) {
    // A collaborative playlist cannot be public (as on Spotify): turning it on makes it private.
    body = collaborativeBox.checked ? { collaborative: true, public: false } : { collaborative: false };
  } else {
    body = { public: publicBox.checked };
  }
  setKind(root, {
    publicState: "public" in body ? body.public : was.publicState,
    collaborative: "collaborative" in body ? body.collaborative : was.collaborative,
  });
  box.disabled = true;
  try {
    await api(`/v1/playlists/${playlistId()}`, { method: "PUT", body });
    toast("Saved", root.querySelector("[data-playlist-kind]")?.textContent || "");
  } catch (error) {
    setKind(root, was);
    toast("Could not change the playlist", error.message, "error");
  } finally {
    box.disabled = box === publicBox && collaborativeBox.checked;
  }
}

function togglePanel(button, panel, open) {
  panel.hidden = !open;
  button?.setAttribute("aria-expanded", String(open));
}

async function saveDetails(form) {
  const root = page();
  const error = form.querySelector("[data-details-error]");
  const name = form.elements.name.value.trim();
  const description = form.elements.description.value.trim();
  if (!name) {
    error.textContent = "Give the playlist a name.";
    error.hidden = false;
    form.elements.name.setAttribute("aria-invalid", "true");
    form.elements.name.focus();
    return;
  }
  const submit = form.querySelector("button[type=submit]");
  submit.disabled = true;
  try {
    await api(`/v1/playlists/${playlistId()}`, { method: "PUT", body: { name, description } });
    for (const element of root.querySelectorAll("[data-playlist-name]")) {
      element.textContent = name;
    }
    const shown = root.querySelector("[data-playlist-description]");
    shown.textContent = description;
    shown.hidden = !description;
    document.title = `${name.length > 80 ? `${name.slice(0, 79)}…` : name} · Streamify`;
    error.hidden = true;
    form.elements.name.removeAttribute("aria-invalid");
    const opener = root.querySelector("[data-edit-details]");
    togglePanel(opener, form, false);
    opener?.focus();
    toast("Saved", name);
  } catch (failure) {
    error.textContent = failure.message;
    error.hidden = false;
    error.focus();
  } finally {
    submit.disabled = false;
  }
}

async function invite(button) {
  const root = page();
  const panel = root.querySelector("[data-invite-panel]");
  button.disabled = true;
  try {
    const answer = await api(`/v1/playlists/${playlistId()}/invite`, { method: "POST" });
    const field = panel.querySelector("[data-invite-url]");
    field.value = answer.url;
    panel.hidden = false;
    setKind(root, { publicState: false, collaborative: true }); // an invite link makes it collaborative
    field.focus();
    field.select();
  } catch (error) {
    toast("Could not make an invite link", error.message, "error");
  } finally {
    button.disabled = false;
  }
}

async function copyInvite() {
  const field = page()?.querySelector("[data-invite-url]");
  if (!field?.value) {
    return;
  }
  try {
    await navigator.clipboard.writeText(field.value);
  } catch {
    field.select();
    document.execCommand("copy"); // without the async clipboard (plain http, older browsers)
  }
  toast("Link copied", "Send it to the people you want to edit with.");
}

async function deletePlaylist(button) {
  const root = page();
  const name = root.querySelector("h1[data-playlist-name]")?.textContent || "the playlist";
  button.disabled = true;
  try {
    await api(`/v1/playlists/${playlistId()}`, { method: "DELETE" });
    await navigate("/collection");
    toast("Playlist deleted", name);
  } catch (error) {
    button.disabled = false;
    toast("Could not delete the playlist", error.message, "error");
  }
}

async function follow(button) {
  const following = button.dataset.follow === "true";
  button.disabled = true;
  try {
    await api(`/v1/playlists/${playlistId()}/followers`, { method: following ? "DELETE" : "PUT" });
    button.dataset.follow = String(!following);
    button.textContent = following ? "Follow" : "Unfollow";
    toast(following ? "Removed from your library" : "Added to your library", page()?.querySelector("h1")?.textContent || "");
  } catch (error) {
    toast("Could not change your library", error.message, "error");
  } finally {
    button.disabled = false;
  }
}

// --- Wiring ---------------------------------------------------------------------------------------

document.addEventListener("click", (event) => {
  const target = event.target;
  const root = page();
  if (!root || !root.contains(target)) {
    return;
  }
  const handlers = [
    ["[data-rows-load]", () => loadMore()],
    ["[data-remove-row]", (el) => removeRow(el.closest(".track-row"))],
    ["[data-edit-details]", (el) => {
      const form = root.querySelector("[data-details-form]");
      togglePanel(el, form, form.hidden);
      if (!form.hidden) {
        form.elements.name.focus();
      }
    }],
    ["[data-details-cancel]", () => {
      const form = root.querySelector("[data-details-form]");
      form.reset();
      const opener = root.querySelector("[data-edit-details]");
      togglePanel(opener, form, false);
      opener?.focus();
    }],
    ["[data-invite]", (el) => invite(el)],
    ["[data-copy-invite]", () => copyInvite()],
    ["[data-delete]", (el) => {
      const panel = root.querySelector("[data-delete-panel]");
      togglePanel(el, panel, panel.hidden);
      if (!panel.hidden) {
        panel.querySelector("[data-delete-cancel]").focus(); // the safe choice first
      }
    }],
    ["[data-delete-cancel]", () => {
      const opener = root.querySelector("[data-delete]");
      togglePanel(opener, root.querySelector("[data-delete-panel]"), false);
      opener?.focus();
    }],
    ["[data-delete-confirm]", (el) => deletePlaylist(el)],
    ["[data-follow]", (el) => follow(el)],
  ];
  for (const [selector, handler] of handlers) {
    const element = target.closest(selector);
    if (element && !element.disabled) {
      event.preventDefault();
      handler(element);
      return;
    }
  }
});

document.addEventListener("change", (event) => {
  const box = event.target.closest?.("[data-setting]");
  if (box && page()?.contains(box)) {
    changeSetting(box);
  }
});

document.addEventListener("submit", (event) => {
  const form = event.target.closest?.("[data-details-form]");
  if (form) {
    event.preventDefault();
    saveDetails(form);
  }
});

// Arrow Up / Arrow Down on a focused handle move its row by one (the keyboard's drag and drop).
document.addEventListener("keydown", (event) => {
  const handle = event.target.closest?.("[data-drag-handle]");
  if (handle && (event.key === "ArrowUp" || event.key === "ArrowDown") && !event.altKey && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
    event.preventDefault();
    const index = rows().indexOf(handle.closest(".track-row"));
    if (event.key === "ArrowUp" && index > 0) {
      move(index, index - 1, { focus: true });
    } else if (event.key === "ArrowDown" && index < total() - 1 && index < rows().length - 1) {
      move(index, index + 2, { focus: true });
    } else if (event.key === "ArrowDown" && index < total() - 1) {
      loadMore(); // the next song is not on the page yet
      announce("Loading the next songs; press again to move.");
    } else {
      announce(event.key === "ArrowUp" ? "Already first." : "Already last.");
    }
    return;
  }
  if (event.key === "Escape") {
    const root = page();
    const form = root?.querySelector("[data-details-form]");
    if (form && !form.hidden && form.contains(event.target)) {
      root.querySelector("[data-details-cancel]").click();
    }
  }
});

// On Liked Songs, unliking a song takes its row away (and keeps the offsets of the rows to come right).
document.addEventListener("streamify:unliked", (event) => {
  const root = page();
  const row = event.detail.button.closest(".track-row");
  if (!root?.hasAttribute("data-liked-page") || !row || !root.contains(row)) {
    return;
  }
  row.remove();
  renumber();
  setLength(total() - 1);
});

function start() {
  observer?.disconnect();
  const root = page();
  if (!root) {
    return;
  }
  delete root.dataset.total;
  observeMore();
}

bindDragAndDrop();
document.addEventListener("streamify:navigated", start);
start();
