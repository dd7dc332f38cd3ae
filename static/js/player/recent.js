// "Recently played" on the home page, from GET /v1/me/player/recently-played (the plays that
// counted as streams), with each track's playability for this listener from /v1/tracks?market=.
// Its play buttons play the list from that track.

import { api, formatTime } from "./api.js";

const REASONS = {
  market: "Not available in your country",
  product: "Available with Premium only",
  takedown: "No longer available",
};

function row(track, index, uris) {
  const item = document.createElement("li");
  item.className = "track-row";
  item.dataset.trackId = track.id;
  const num = document.createElement("span");
  num.className = "num";
  num.textContent = String(index + 1);
  const button = document.createElement("button");
  button.type = "button";
  button.className = "row-play";
  button.innerHTML = '<svg class="icon" aria-hidden="true"><use href="#icon-play"></use></svg>';
  const playable = track.is_playable !== false;
  const reason = playable ? "" : REASONS[track.restrictions?.reason] || "Not available";
  button.setAttribute("aria-label", playable ? `Play ${track.name}` : `Play ${track.name}: ${reason}`);
  if (playable) {
    button.dataset.play = "";
    button.dataset.uris = JSON.stringify(uris);
    button.dataset.trackUri = track.uri;
  } else {
    button.disabled = true;
    item.classList.add("track-row--unplayable");
    item.title = reason;
  }
  const text = document.createElement("div");
  const title = document.createElement("p");
  title.className = "track-title";
  const link = document.createElement("a");
  link.href = `/track/${track.id}`;
  link.dir = "auto";
  link.textContent = track.name;
  title.append(link);
  const artists = document.createElement("p");
  artists.className = "track-artists";
  artists.textContent = (track.artists || []).map((artist) => artist.name).join(", ") + (reason ? ` · ${reason}` : "");
  text.append(title, artists);
  const time = document.createElement("span");
  time.className = "time";
  time.textContent = formatTime(track.duration_ms);
  item.append(num, button, text, time);
  return item;
}

export async function renderRecentlyPlayed() {
  const section = document.querySelector("[data-recently-played]");
  if (!section) {
    return;
  }
  try {
    const history = await api("/v1/me/player/recently-played?limit=20");
    const ids = [...new Set((history.items || []).map((play) => play.track.id))].slice(0, 10);
    if (!ids.length) {
      return;
    }
    const { tracks } = await api(`/v1/tracks?ids=${ids.join(",")}&market=from_token`);
    const shown = tracks.filter(Boolean);
    const uris = shown.filter((track) => track.is_playable !== false).map((track) => track.uri);
    section.querySelector("[data-recent-list]").replaceChildren(...shown.map((track, i) => row(track, i, uris)));
    section.hidden = false;
    window.streamifyPlayer?.markCurrentRows();
  } catch {
    // the section stays hidden; the rest of the page does not depend on it
  }
}
