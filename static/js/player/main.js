// The web player: every signed-in tab is a device of the user's server-held player (README
// "Player (multi-device)"). It renders each state the server broadcasts; the tab that is the
// active device also plays the audio (engine.js) and records play events (events.js); the others
// mirror it and can command it. Page navigation swaps only <main> (nav.js), so all of this lives
// on from page to page.

import { api, formatTime, uuid } from "./api.js";
import { AudioEngine } from "./engine.js";
import { PlayEvents } from "./events.js";
import { startNavigation } from "./nav.js";
import { PlayerSocket } from "./socket.js";

const REASON_TITLES = {
  PREMIUM_REQUIRED: "Premium required",
  MARKET: "Not available in your country",
  TAKEDOWN: "No longer available",
  NOT_READY: "Still being processed",
  NO_ACTIVE_DEVICE: "Nothing is playing",
  NO_NEXT_TRACK: "End of the list",
  NO_PREV_TRACK: "Start of the list",
  DEVICE_NOT_FOUND: "Device not found",
  RATE_LIMITED: "Slow down",
  DISCONNECTED: "Offline",
  TIMEOUT: "No answer",
  AUTOPLAY: "Press play to listen here",
};
const REPEAT_NEXT = { off: "context", context: "track", track: "off" };
const REPEAT_LABEL = { off: "Repeat: off", context: "Repeat: all", track: "Repeat: this song" };
const SEEK_STEP_MS = 10_000;
const PRELOAD_BEFORE_END_MS = 20_000;

function deviceIdentity() {
  let id = sessionStorage.getItem("streamify.device");
  if (!id) {
    id = `web-${uuid().replace(/-/g, "").slice(0, 20)}`;
    sessionStorage.setItem("streamify.device", id);
  }
  const ua = navigator.userAgent;
  const browser = /Edg\//.test(ua)
    ? "Edge"
    : /Firefox\//.test(ua)
      ? "Firefox"
      : /Chrome\//.test(ua)
        ? "Chrome"
        : /Safari\//.test(ua)
          ? "Safari"
          : "Browser";
  const os = /Android/.test(ua)
    ? "Android"
    : /iPhone|iPad/.test(ua)
      ? "iOS"
      : /Mac OS X/.test(ua)
        ? "macOS"
        : /Windows/.test(ua)
          ? "Windows"
          : /Linux/.test(ua)
            ? "Linux"
            : "";
  const mobile = /Mobi|Android|iPhone/.test(ua);
  const volume = Number(localStorage.getItem("streamify.volume") ?? 80);
  return {
    id,
    name: `Web Player (${browser}${os ? ` on ${os}` : ""})`,
    type: mobile ? "Smartphone" : "Computer",
    volume_percent: Number.isFinite(volume) ? Math.max(0, Math.min(100, volume)) : 80,
    supports_volume: true,
  };
}

function smallestImage(images, atLeast) {
  const sorted = [...(images || [])].sort((a, b) => (a.width || 0) - (b.width || 0));
  return sorted.find((image) => (image.width || 0) >= atLeast) || sorted[sorted.length - 1] || null;
}

class Player {
  constructor(bar) {
    this.bar = bar;
    this.device = deviceIdentity();
    this.state = null; // the last applied state object (or null)
    this.devices = [];
    this.receivedAt = 0;
    this.applyToken = 0;
    this.nextTrackId = null;
    this.queueFor = null;
    this.dragging = false;
    this.volumeTimer = null;
    this.pendingVolume = null;
    this.wasActive = false;
    this.lastEnded = null;
    this.$ = (selector) => bar.querySelector(selector);
    this.engine = new AudioEngine({
      elements: [...bar.querySelectorAll("audio[data-deck]")],
      hlsSrc: bar.dataset.hlsSrc,
      onEnded: (trackId) => this.ended(trackId),
      onPlaying: (trackId) => this.events.start(trackId, this.state?.context?.uri || null),
      onProgress: (trackId, ms) => this.events.progress(trackId, ms),
      onTime: () => this.timeUpdate(),
      onError: (message) => this.toast({ title: "Playback problem", message }),
    });
    this.engine.setVolume(this.device.volume_percent / 100, false);
    this.events = new PlayEvents({ userId: document.body.dataset.user, deviceId: this.device.id });
    this.socket = new PlayerSocket({
      device: this.device,
      onState: (message) => this.receive(message),
      onStatus: (status) => this.bar.classList.toggle("player--offline", status === "offline"),
    });
    const art = this.$("[data-art]");
    art.addEventListener("error", () => {
      art.hidden = true;
      this.$("[data-art-placeholder]").hidden = false;
    });
    this.bindControls();
    this.bindKeys();
    this.bindMediaSession();
    bar.hidden = false;
    this.$("[data-normalize]").checked = this.engine.normalize;
    this.renderCrossfade();
    this.socket.connect();
    setInterval(() => this.tick(), 250);
    window.addEventListener("pagehide", (event) => {
      if (this.isActive() && this.events.play) {
        this.events.finish("play.end");
      }
      this.events.pagehide();
      if (!event.persisted) {
        this.socket.bye();
      }
    });
    window.addEventListener("pageshow", (event) => {
      if (event.persisted) {
        this.socket.closing = false;
        this.socket.connect();
      }
    });
  }

  isActive(state = this.state) {
    return Boolean(state?.device && state.device.id === this.device.id);
  }

  // Where the server's anchor puts playback now: progress_ms at `timestamp`, plus the time since
  // while playing. A clock far from the server's (more than 5 s off at receipt) counts from receipt.
  expectedMs(state = this.state) {
    if (!state?.item) {
      return 0;
    }
    let base = state.progress_ms || 0;
    if (state.is_playing) {
      const skewed = Math.abs(this.receivedAt - state.timestamp) > 5_000;
      base += Date.now() - (skewed ? this.receivedAt : state.timestamp);
    }
    return Math.max(0, Math.min(base, state.item.duration_ms || base));
  }

  // --- Commands -------------------------------------------------------------------------------

  async command(name, args = {}) {
    this.engine.audioContext(); // a user gesture: let Web Audio start
    try {
      return await this.socket.command(name, args);
    } catch (error) {
      this.toast({ title: REASON_TITLES[error.reason] || "Could not do that", message: error.message });
      return null;
    }
  }

  // Play goes to the device that is playing, as in Spotify's apps; with none, to this tab.
  target() {
    const active = this.state?.device?.id;
    return active && this.devices.some((device) => device.id === active) ? active : this.device.id;
  }

  playFrom(button) {
    const args = { device_id: this.target() };
    const context = button.dataset.contextUri;
    const track = button.dataset.trackUri;
    if (button.dataset.uris) {
      args.uris = JSON.parse(button.dataset.uris);
      if (track) {
        args.offset = { uri: track };
      }
    } else if (context) {
      args.context_uri = context;
      if (track) {
        args.offset = { uri: track };
      }
    } else if (track) {
      args.uris = [track];
    }
    // Played here: ask for the stream URL now, beside the command, rather than after the state
    // comes back (the click-to-playing benchmark's largest avoidable wait). The grant is only a
    // signed URL; the server still decides what plays.
    if (track && args.device_id === this.device.id) {
      this.engine.prefetchGrant(track.split(":").pop());
    }
    this.command("play", args);
  }

  toggle() {
    if (!this.state?.item) {
      this.toast({ title: "Nothing to play", message: "Choose an album or a song to start." });
      return;
    }
    if (this.state.is_playing) {
      this.command("pause");
    } else {
      this.command("play", { device_id: this.target() });
    }
  }

  seekTo(positionMs) {
    if (!this.state?.item) {
      return;
    }
    const position = Math.max(0, Math.min(Math.round(positionMs), this.state.item.duration_ms - 1000));
    if (this.isActive()) {
      this.engine.seek(position);
    }
    this.command("seek", { position_ms: position });
  }

  currentVolume() {
    if (this.pendingVolume != null) {
      return this.pendingVolume; // set here, not yet confirmed by the server
    }
    const id = this.state?.device?.id || this.device.id;
    const device = this.devices.find((d) => d.id === id);
    return device?.volume_percent ?? this.device.volume_percent;
  }

  setVolume(percent) {
    const volume = Math.max(0, Math.min(100, Math.round(percent)));
    const slider = this.$("[data-volume]");
    slider.value = String(volume);
    this.renderVolume(volume);
    if (volume > 0) {
      localStorage.setItem("streamify.unmuted-volume", String(volume));
    }
    const target = this.state?.device?.id || this.device.id;
    if (target === this.device.id) {
      this.engine.setVolume(volume / 100, false);
      localStorage.setItem("streamify.volume", String(volume));
    }
    this.pendingVolume = volume;
    clearTimeout(this.volumeTimer);
    this.volumeTimer = setTimeout(async () => {
      this.volumeTimer = null;
      await this.command("volume", { volume_percent: volume, device_id: target });
      if (this.pendingVolume === volume && !this.volumeTimer) {
        this.pendingVolume = null;
      }
    }, 200);
  }

  toggleMute() {
    const volume = this.currentVolume();
    this.setVolume(volume > 0 ? 0 : Number(localStorage.getItem("streamify.unmuted-volume") || 80));
  }

  // --- The server's state --------------------------------------------------------------------

  receive(message) {
    const previous = this.state;
    this.state = message.state;
    this.devices = message.devices || [];
    this.receivedAt = Date.now();
    this.render();
    // The queue (for the panel and the preload) after the audio has started, so its request does
    // not compete with the stream's on a change of track.
    this.applyAudio(previous)
      .catch((error) => this.toast({ title: "Playback problem", message: error.message }))
      .finally(() => this.loadQueue());
  }

  async applyAudio(previous) {
    const token = ++this.applyToken;
    const state = this.state;
    const active = this.isActive(state) && state.item;
    if (!active) {
      if (this.engine.trackId) {
        this.events.finish("play.end"); // playback moved to another device, or stopped
        this.engine.stop();
      }
      this.wasActive = false;
      return;
    }
    const itemId = state.item.id;
    if (this.events.play && this.events.play.track !== itemId) {
      this.events.finish("skip"); // moved on before the end (an ended track already said play.end)
    }
    const expected = this.expectedMs(state);
    const fresh = this.engine.trackId !== itemId;
    const anchorMoved =
      !this.wasActive ||
      !previous?.item ||
      previous.item.id !== itemId ||
      previous.is_playing !== state.is_playing ||
      Math.abs(
        (previous.progress_ms || 0) + (previous.is_playing ? state.timestamp - previous.timestamp : 0) - state.progress_ms,
      ) > 1000;
    this.wasActive = true;
    if (fresh) {
      const cued = await this.engine.cue(itemId, expected);
      if (!cued || token !== this.applyToken) {
        return;
      }
    } else if (anchorMoved && Math.abs(this.engine.positionMs - expected) > 1500) {
      this.engine.seek(expected);
    }
    if (state.is_playing) {
      try {
        await this.engine.play();
      } catch (error) {
        if (error.name === "NotAllowedError" && token === this.applyToken) {
          this.toast({ title: REASON_TITLES.AUTOPLAY, message: "This browser needs a click before it plays sound." });
          this.command("pause");
        }
      }
    } else {
      this.engine.pause();
    }
  }

  async loadQueue() {
    const state = this.state;
    const key = state?.item ? `${state.item.id}:${state.version}` : null;
    const panelOpen = !this.$("[data-queue-panel]").hidden;
    if (!key || (!this.isActive() && !panelOpen) || this.queueFor === key) {
      if (!key) {
        this.renderQueue(null);
      }
      return;
    }
    this.queueFor = key;
    try {
      const queue = await api("/v1/me/player/queue");
      if (this.state !== state) {
        return;
      }
      this.nextTrackId = state.repeat_state === "track" ? null : queue?.queue?.[0]?.id || null;
      this.renderQueue(queue);
    } catch {
      this.queueFor = null;
    }
  }

  // The track `trackId` is over for the listener: it ended, or a crossfade into the next began.
  // Tells the server (no skip is counted for `ended`, and naming the track makes a late or
  // repeated report harmless), which answers with a state for the next track.
  reportEnded(trackId) {
    this.events.finish("play.end");
    if (this.lastEnded === `${trackId}:${this.state?.version}`) {
      return false;
    }
    this.lastEnded = `${trackId}:${this.state?.version}`;
    this.socket.command("ended", { track: trackId }).catch(() => {});
    return true;
  }

  ended(trackId) {
    // The next track is preloaded: start it at once, before the server's state arrives.
    if (this.reportEnded(trackId) && this.state?.repeat_state !== "track") {
      this.engine.advanceTo(this.nextTrackId);
    }
  }

  timeUpdate() {
    if (!this.isActive() || !this.nextTrackId) {
      return;
    }
    const duration = this.engine.durationMs;
    const remaining = duration ? duration - this.engine.positionMs : null;
    if (remaining != null && remaining < PRELOAD_BEFORE_END_MS + this.engine.crossfadeMs) {
      this.engine.preload(this.nextTrackId);
    }
    const ending = this.engine.trackId;
    if (this.state?.repeat_state !== "track" && this.engine.crossfadeTo(this.nextTrackId)) {
      this.reportEnded(ending);
    }
  }

  renderCrossfade() {
    const seconds = Math.round(this.engine.crossfadeMs / 1000);
    const input = this.$("[data-crossfade]");
    input.value = String(seconds);
    input.setAttribute("aria-valuetext", seconds ? `${seconds} seconds` : "Off");
    this.$("[data-crossfade-value]").textContent = seconds ? `${seconds} s` : "Off";
  }

  // --- Rendering -------------------------------------------------------------------------------

  render() {
    const state = this.state;
    const item = state?.item;
    const titleLink = this.$("[data-title]");
    const art = this.$("[data-art]");
    const placeholder = this.$("[data-art-placeholder]");
    if (item) {
      titleLink.textContent = item.name;
      titleLink.href = `/track/${item.id}`;
      this.$("[data-artists]").textContent = (item.artists || []).map((artist) => artist.name).join(", ");
      const image = smallestImage(item.album?.images, 112);
      art.hidden = !image;
      placeholder.hidden = Boolean(image);
      if (image && art.getAttribute("src") !== image.url) {
        art.src = image.url;
      }
    } else {
      titleLink.textContent = "Nothing playing";
      titleLink.removeAttribute("href");
      this.$("[data-artists]").textContent = "";
      art.hidden = true;
      placeholder.hidden = false;
    }
    const playing = Boolean(state?.is_playing);
    const toggle = this.$('[data-action="toggle"]');
    toggle.setAttribute("aria-label", playing ? "Pause" : "Play");
    toggle.querySelector("use").setAttribute("href", playing ? "#icon-pause" : "#icon-play");
    this.bar.classList.toggle("player--playing", playing);

    const shuffle = this.$('[data-action="shuffle"]');
    shuffle.setAttribute("aria-pressed", String(Boolean(state?.shuffle_state)));
    const repeatState = state?.repeat_state || "off";
    const repeat = this.$('[data-action="repeat"]');
    repeat.setAttribute("aria-pressed", String(repeatState !== "off"));
    repeat.setAttribute("aria-label", REPEAT_LABEL[repeatState]);
    repeat.querySelector("use").setAttribute("href", repeatState === "track" ? "#icon-repeat-one" : "#icon-repeat");

    for (const action of ["toggle", "previous", "next", "shuffle", "repeat"]) {
      this.$(`[data-action="${action}"]`).disabled = !item;
    }
    const seek = this.$("[data-seek]");
    seek.disabled = !item;
    seek.max = String(item?.duration_ms || 0);
    this.$("[data-duration]").textContent = formatTime(item?.duration_ms || 0);

    const note = this.$("[data-device-note]");
    const activeDevice = state?.device;
    note.textContent =
      activeDevice && activeDevice.id !== this.device.id ? `Playing on ${activeDevice.name}` : "";
    this.bar.classList.toggle("player--remote", Boolean(activeDevice && activeDevice.id !== this.device.id));

    if (this.pendingVolume == null) {
      const volume = this.currentVolume();
      this.$("[data-volume]").value = String(volume);
      this.renderVolume(volume);
      if ((activeDevice?.id || this.device.id) === this.device.id) {
        this.engine.setVolume(volume / 100, false);
      }
    }
    this.renderDevices();
    this.markCurrentRows();
    this.renderMediaSession();
    this.tick();
  }

  renderVolume(volume) {
    const mute = this.$('[data-action="mute"]');
    mute.setAttribute("aria-pressed", String(volume === 0));
    mute.setAttribute("aria-label", volume === 0 ? "Unmute" : "Mute");
    mute.querySelector("use").setAttribute("href", volume === 0 ? "#icon-muted" : "#icon-volume");
    this.$("[data-volume]").setAttribute("aria-valuetext", `${volume}%`);
  }

  // The account page's list of devices: the same devices, to read rather than pick.
  renderAccountDevices() {
    const list = document.querySelector("[data-account-device-list]");
    if (!list) {
      return;
    }
    list.replaceChildren();
    const activeId = this.state?.device?.id;
    for (const device of this.devices) {
      const item = document.createElement("li");
      item.className = "device device--static";
      item.dataset.accountDeviceId = device.id;
      const name = document.createElement("span");
      name.className = "device__name";
      name.textContent = device.name;
      const detail = document.createElement("span");
      detail.className = "device__detail";
      const parts = [device.type];
      if (device.id === this.device.id) {
        parts.push("this tab");
      }
      if (device.id === activeId) {
        parts.push(this.state?.is_playing ? "playing" : "paused");
      }
      detail.textContent = parts.join(" · ");
      item.append(name, detail);
      list.append(item);
    }
  }

  renderDevices() {
    this.renderAccountDevices();
    const list = this.$("[data-device-list]");
    list.replaceChildren();
    const activeId = this.state?.device?.id;
    for (const device of this.devices) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "device";
      button.dataset.deviceId = device.id;
      const isActive = device.id === activeId;
      button.setAttribute("aria-pressed", String(isActive));
      const name = document.createElement("span");
      name.className = "device__name";
      name.textContent = device.name;
      const detail = document.createElement("span");
      detail.className = "device__detail";
      const self = device.id === this.device.id ? "This tab" : device.type;
      detail.textContent = isActive ? `${self} · playing here` : self;
      button.append(name, detail);
      item.append(button);
      list.append(item);
    }
  }

  renderQueue(queue) {
    const body = this.$("[data-queue-body]");
    body.replaceChildren();
    const section = (title, tracks) => {
      const heading = document.createElement("h3");
      heading.className = "player-panel__subtitle";
      heading.textContent = title;
      const list = document.createElement("ol");
      list.className = "queue-list";
      for (const track of tracks) {
        const row = document.createElement("li");
        const name = document.createElement("span");
        name.className = "queue-list__title";
        name.textContent = track.name;
        name.dir = "auto";
        const artists = document.createElement("span");
        artists.className = "queue-list__artists";
        artists.textContent = (track.artists || []).map((artist) => artist.name).join(", ");
        row.append(name, artists);
        if (track.is_playable === false) {
          row.classList.add("track-row--unplayable");
        }
        list.append(row);
      }
      body.append(heading, list);
    };
    if (queue?.currently_playing) {
      section("Now playing", [queue.currently_playing]);
    }
    if (queue?.queue?.length) {
      section("Next up", queue.queue);
    }
    if (!body.childElementCount) {
      const empty = document.createElement("p");
      empty.className = "muted small";
      empty.textContent = "Nothing queued.";
      body.append(empty);
    }
  }

  markCurrentRows() {
    const current = this.state?.item?.id;
    for (const row of document.querySelectorAll(".track-row[data-track-id]")) {
      const isCurrent = row.dataset.trackId === current;
      row.classList.toggle("track-row--current", isCurrent);
      if (isCurrent) {
        row.setAttribute("aria-current", "true");
      } else {
        row.removeAttribute("aria-current");
      }
    }
  }

  tick() {
    const state = this.state;
    const position = !state?.item ? 0 : this.isActive() && this.engine.trackId ? this.engine.positionMs : this.expectedMs();
    if (!this.dragging) {
      const seek = this.$("[data-seek]");
      seek.value = String(Math.round(position));
      seek.setAttribute("aria-valuetext", `${formatTime(position)} of ${formatTime(state?.item?.duration_ms || 0)}`);
      this.$("[data-elapsed]").textContent = formatTime(position);
    }
    const duration = state?.item?.duration_ms;
    if ("mediaSession" in navigator && duration && this.isActive()) {
      try {
        navigator.mediaSession.setPositionState({
          duration: duration / 1000,
          position: Math.min(position, duration) / 1000,
          playbackRate: 1,
        });
      } catch {
        // some browsers refuse a position past the media's own duration
      }
    }
  }

  renderMediaSession() {
    if (!("mediaSession" in navigator)) {
      return;
    }
    const item = this.state?.item;
    navigator.mediaSession.playbackState = item ? (this.state.is_playing ? "playing" : "paused") : "none";
    if (!item) {
      navigator.mediaSession.metadata = null;
      return;
    }
    if (navigator.mediaSession.metadata?.title === item.name && this.mediaSessionItem === item.id) {
      return;
    }
    this.mediaSessionItem = item.id;
    navigator.mediaSession.metadata = new MediaMetadata({
      title: item.name,
      artist: (item.artists || []).map((artist) => artist.name).join(", "),
      album: item.album?.name || "",
      artwork: (item.album?.images || []).map((image) => ({
        src: image.url,
        sizes: `${image.width}x${image.height}`,
        type: "image/jpeg",
      })),
    });
  }

  toast({ title, message, kind = "error" }) {
    const region = document.querySelector("[data-toasts]");
    if (!region) {
      return;
    }
    const toast = document.createElement("div");
    toast.className = `toast toast--${kind}`;
    toast.setAttribute("role", kind === "error" ? "alert" : "status");
    const heading = document.createElement("strong");
    heading.className = "toast__title";
    heading.textContent = title;
    const text = document.createElement("p");
    text.className = "toast__message";
    text.textContent = message || "";
    const close = document.createElement("button");
    close.type = "button";
    close.className = "toast__close";
    close.setAttribute("aria-label", "Dismiss");
    close.textContent = "×";
    close.addEventListener("click", () => toast.remove());
    toast.append(heading, text, close);
    region.append(toast);
    while (region.childElementCount > 3) {
      region.firstElementChild.remove();
    }
    setTimeout(() => toast.remove(), 8_000);
  }

  // --- Wiring ---------------------------------------------------------------------------------

  togglePanel(name) {
    const button = this.$(`[data-action="${name}"]`);
    const panel = this.$(name === "queue" ? "[data-queue-panel]" : "[data-device-panel]");
    const open = panel.hidden;
    for (const other of ["queue", "devices"]) {
      if (other !== name) {
        this.$(`[data-action="${other}"]`).setAttribute("aria-expanded", "false");
        this.$(other === "queue" ? "[data-queue-panel]" : "[data-device-panel]").hidden = true;
      }
    }
    panel.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    if (open) {
      if (name === "queue") {
        this.queueFor = null;
        this.loadQueue();
      }
      panel.querySelector("button, input")?.focus();
    }
  }

  closePanels() {
    for (const name of ["queue", "devices"]) {
      const button = this.$(`[data-action="${name}"]`);
      if (button.getAttribute("aria-expanded") === "true") {
        this.togglePanel(name);
        button.focus();
      }
    }
  }

  bindControls() {
    const actions = {
      toggle: () => this.toggle(),
      previous: () => this.command("previous"),
      next: () => this.command("next"),
      shuffle: () => this.command("shuffle", { state: !this.state?.shuffle_state }),
      repeat: () => this.command("repeat", { state: REPEAT_NEXT[this.state?.repeat_state || "off"] }),
      mute: () => this.toggleMute(),
      queue: () => this.togglePanel("queue"),
      devices: () => this.togglePanel("devices"),
    };
    this.bar.addEventListener("click", (event) => {
      const button = event.target.closest("[data-action]");
      if (button && actions[button.dataset.action]) {
        actions[button.dataset.action]();
        return;
      }
      const device = event.target.closest("[data-device-id]");
      if (device && device.getAttribute("aria-pressed") !== "true") {
        this.command("transfer", { device_ids: [device.dataset.deviceId] });
      }
    });
    const seek = this.$("[data-seek]");
    seek.addEventListener("input", () => {
      this.dragging = true;
      this.$("[data-elapsed]").textContent = formatTime(Number(seek.value));
    });
    seek.addEventListener("change", () => {
      this.dragging = false;
      this.seekTo(Number(seek.value));
    });
    this.$("[data-volume]").addEventListener("input", (event) => this.setVolume(Number(event.target.value)));
    this.$("[data-normalize]").addEventListener("change", (event) => this.engine.setNormalize(event.target.checked));
    this.$("[data-crossfade]").addEventListener("input", (event) => {
      this.engine.setCrossfade(Number(event.target.value));
      this.renderCrossfade();
    });
    // Play buttons in the page (track rows, album/artist/track headers), which navigation swaps.
    document.addEventListener("click", (event) => {
      const button = event.target.closest("[data-play]");
      if (button && !button.disabled) {
        event.preventDefault();
        this.playFrom(button);
      }
    });
    document.addEventListener("streamify:navigated", () => {
      this.markCurrentRows();
      this.renderAccountDevices();
    });
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        this.closePanels();
      }
    });
  }

  bindKeys() {
    document.addEventListener("keydown", (event) => {
      if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) {
        return;
      }
      const target = event.target;
      const tag = target.tagName;
      const typing =
        target.isContentEditable ||
        tag === "TEXTAREA" ||
        tag === "SELECT" ||
        (tag === "INPUT" && !["range", "checkbox", "radio", "button"].includes(target.type));
      if (typing) {
        return;
      }
      const onSlider = tag === "INPUT" && target.type === "range";
      const onControl = ["BUTTON", "A", "SUMMARY"].includes(tag) || (tag === "INPUT" && !onSlider);
      const key = event.key;
      let handled = true;
      if (key === " " && !onControl) {
        this.toggle();
      } else if ((key === "m" || key === "M") && !event.shiftKey) {
        this.toggleMute();
      } else if (key === "ArrowLeft" && event.shiftKey) {
        this.command("previous");
      } else if (key === "ArrowRight" && event.shiftKey) {
        this.command("next");
      } else if (key === "ArrowUp" && event.shiftKey) {
        this.setVolume(this.currentVolume() + 10);
      } else if (key === "ArrowDown" && event.shiftKey) {
        this.setVolume(this.currentVolume() - 10);
      } else if ((key === "ArrowLeft" || key === "ArrowRight") && !onSlider && this.state?.item) {
        const position = this.isActive() && this.engine.trackId ? this.engine.positionMs : this.expectedMs();
        this.seekTo(position + (key === "ArrowLeft" ? -SEEK_STEP_MS : SEEK_STEP_MS));
      } else {
        handled = false;
      }
      if (handled) {
        event.preventDefault();
      }
    });
  }

  bindMediaSession() {
    if (!("mediaSession" in navigator)) {
      return;
    }
    const handlers = {
      play: () => this.state && !this.state.is_playing && this.command("play", { device_id: this.target() }),
      pause: () => this.state?.is_playing && this.command("pause"),
      previoustrack: () => this.command("previous"),
      nexttrack: () => this.command("next"),
      seekto: (details) => this.seekTo(details.seekTime * 1000),
      seekbackward: (details) => this.seekTo(this.expectedMs() - (details.seekOffset || 10) * 1000),
      seekforward: (details) => this.seekTo(this.expectedMs() + (details.seekOffset || 10) * 1000),
    };
    for (const [action, handler] of Object.entries(handlers)) {
      try {
        navigator.mediaSession.setActionHandler(action, handler);
      } catch {
        // an action this browser does not know
      }
    }
  }
}

startNavigation();
const bar = document.querySelector("[data-player-bar]");
if (bar && document.body.dataset.user) {
  window.streamifyPlayer = new Player(bar);
}
