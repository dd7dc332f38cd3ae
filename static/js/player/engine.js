// The audio of the active device: two decks (an <audio> element each, with hls.js on it), so the
// next track can load on the idle deck while the current one plays and start the moment the
// current one ends. Each deck goes through a Web Audio GainNode that normalises loudness to
// -14 LUFS from the track's EBU R128 measurement, never pushing the true peak above -1 dBTP.
//
// Crossfade (0-12 s, a per-device setting like loudness): when the current track is that close to
// its end and the next one is loaded on the idle deck, the idle deck starts and the two decks'
// fade gains cross with equal-power curves (the sum of their powers stays constant, so the
// overlap is not louder or quieter than either track). Without Web Audio there is no crossfade,
// only the gapless start at the end.
//
// Stream URLs are short-lived (STREAM_URL_LIFETIME_SECONDS): a deck asks for a new one before
// the old expires, and every request hls.js makes goes through `xhrSetup`, which rewrites the
// token part of the URL (/stream/<signature>/<expires>/) to the newest one. Playlists refer to
// their children relatively, so the asset part never changes.

import { api } from "./api.js";

const TARGET_LUFS = -14;
const PEAK_CEILING_DBTP = -1;
const MAX_BOOST_DB = 12;
const REFRESH_BEFORE_MS = 60_000;
export const MAX_CROSSFADE_MS = 12_000;
const FADE_STEPS = 64;
const PREFETCH_FRESH_MS = 10_000;
const TOKEN_RE = /\/stream\/[^/]+\/\d+\/([^/]+)\//;

let hlsLoading = null;

function loadHls(src) {
  if (window.Hls) {
    return Promise.resolve(window.Hls);
  }
  hlsLoading ||= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = () => resolve(window.Hls);
    script.onerror = () => reject(new Error("Could not load the HLS player."));
    document.head.append(script);
  });
  return hlsLoading;
}

// Decibels of gain that bring a track to TARGET_LUFS, limited so its true peak stays under the
// ceiling (a quiet track with loud peaks is raised only as far as its peaks allow).
export function normalisationGainDb(loudnessLufs, truePeakDbtp) {
  if (loudnessLufs == null || !Number.isFinite(loudnessLufs)) {
    return 0;
  }
  let gain = TARGET_LUFS - loudnessLufs;
  if (truePeakDbtp != null && Number.isFinite(truePeakDbtp)) {
    gain = Math.min(gain, PEAK_CEILING_DBTP - truePeakDbtp);
  }
  return Math.max(-30, Math.min(MAX_BOOST_DB, gain));
}

function clampCrossfade(ms) {
  return Number.isFinite(ms) ? Math.max(0, Math.min(MAX_CROSSFADE_MS, Math.round(ms))) : 0;
}

class Deck {
  constructor(engine, audio) {
    this.engine = engine;
    this.audio = audio;
    this.audio.crossOrigin = "anonymous"; // a STREAM_BASE_URL on another host must not taint Web Audio
    this.hls = null;
    this.trackId = null;
    this.grant = null;
    this.refreshTimer = null;
    this.gain = null;
    this.fade = null; // a GainNode after `gain`, automated only during a crossfade
    this.fadeTimer = null;
    this.lastTime = null;
    this.failures = 0;
    this.refusedAt = 0; // when a refused segment request last made us ask for a new URL
    audio.addEventListener("timeupdate", () => this.tick());
    audio.addEventListener("ended", () => {
      if (this.engine.current === this) {
        this.engine.onEnded(this.trackId);
      }
    });
    audio.addEventListener("playing", () => {
      if (this.engine.current === this) {
        this.engine.onPlaying(this.trackId);
      }
    });
  }

  // Milliseconds really played, for the play events: the advance of currentTime between
  // timeupdates while playing, so seeks and stalls do not count.
  tick() {
    const now = this.audio.currentTime;
    if (this.lastTime != null && !this.audio.paused && this.engine.current === this) {
      const delta = now - this.lastTime;
      if (delta > 0 && delta < 2) {
        this.engine.onProgress(this.trackId, Math.round(delta * 1000));
      }
    }
    this.lastTime = now;
    this.engine.onTime();
  }

  attachGraph() {
    const context = this.engine.audioContext();
    if (!context || this.gain) {
      return;
    }
    try {
      const source = context.createMediaElementSource(this.audio);
      this.gain = context.createGain();
      this.fade = context.createGain();
      source.connect(this.gain).connect(this.fade).connect(context.destination);
      this.applyGain();
    } catch {
      this.gain = null; // the element plays unprocessed
      this.fade = null;
    }
  }

  applyGain() {
    const volume = this.engine.muted ? 0 : this.engine.volume;
    const normalised = this.engine.normalize && this.grant
      ? 10 ** (normalisationGainDb(this.grant.loudness_lufs, this.grant.true_peak) / 20)
      : 1;
    if (this.gain) {
      this.audio.volume = 1;
      this.gain.gain.value = normalised * volume;
    } else {
      this.audio.volume = Math.min(1, normalised * volume);
    }
  }

  // Ramp this deck's fade gain in or out over `seconds`, starting now, with an equal-power curve.
  fadeTo(direction, seconds) {
    const param = this.fade.gain;
    const now = this.fade.context.currentTime;
    const curve = new Float32Array(FADE_STEPS);
    for (let step = 0; step < FADE_STEPS; step += 1) {
      const x = step / (FADE_STEPS - 1);
      curve[step] = direction === "in" ? Math.sin((x * Math.PI) / 2) : Math.cos((x * Math.PI) / 2);
    }
    param.cancelScheduledValues(now);
    param.setValueCurveAtTime(curve, now, Math.max(0.05, seconds));
  }

  resetFade() {
    clearTimeout(this.fadeTimer);
    this.fadeTimer = null;
    if (this.fade) {
      this.fade.gain.cancelScheduledValues(this.fade.context.currentTime);
      this.fade.gain.value = 1;
    }
  }

  rewrite(url) {
    const now = this.grant?.url.match(TOKEN_RE);
    const old = url.match(TOKEN_RE);
    return now && old && now[1] === old[1] ? url.replace(old[0], now[0]) : url;
  }

  async fetchGrant(trackId) {
    return this.engine.takePrefetchedGrant(trackId) || api(`/v1/tracks/${encodeURIComponent(trackId)}/stream`);
  }

  scheduleRefresh() {
    clearTimeout(this.refreshTimer);
    if (!this.grant) {
      return;
    }
    const wait = Math.max(5_000, Date.parse(this.grant.expires_at) - Date.now() - REFRESH_BEFORE_MS);
    this.refreshTimer = setTimeout(() => this.refresh().catch(() => {}), wait);
  }

  async refresh() {
    if (!this.trackId) {
      return;
    }
    const trackId = this.trackId;
    const grant = await this.fetchGrant(trackId);
    if (this.trackId !== trackId) {
      return;
    }
    const sameAsset = grant.url.match(TOKEN_RE)?.[1] === this.grant?.url.match(TOKEN_RE)?.[1];
    this.grant = grant;
    this.scheduleRefresh();
    if (!this.hls && !sameAsset) {
      // Native HLS cannot rewrite its requests: point it at the new playlist where it was.
      this.start(this.audio.currentTime * 1000);
    }
  }

  expiresSoon() {
    return this.grant && Date.parse(this.grant.expires_at) - Date.now() < 15_000;
  }

  async load(trackId, { positionMs = 0, grant = null } = {}) {
    this.unload();
    this.trackId = trackId;
    this.failures = 0;
    const fetched = grant || (await this.fetchGrant(trackId));
    if (this.trackId !== trackId) {
      return false;
    }
    this.grant = fetched;
    this.scheduleRefresh();
    this.applyGain();
    await this.start(positionMs);
    return this.trackId === trackId;
  }

  async start(positionMs) {
    const Hls = await loadHls(this.engine.hlsSrc).catch(() => null);
    if (this.hls) {
      this.hls.destroy();
      this.hls = null;
    }
    this.lastTime = null;
    // hls.js over Media Source Extensions wherever they exist (it adapts the bitrate and lets us
    // refresh tokens per request); the browser's own HLS where they do not (older iOS Safari).
    if (Hls?.isSupported()) {
      const deck = this;
      const hls = new Hls({
        startPosition: positionMs / 1000,
        maxBufferLength: 30,
        xhrSetup(xhr, url) {
          const open = () => xhr.open("GET", deck.rewrite(url), true);
          if (deck.expiresSoon()) {
            return deck.refresh().then(open, open);
          }
          open();
          return undefined;
        },
      });
      this.hls = hls;
      hls.on(Hls.Events.ERROR, (_event, data) => this.hlsError(Hls, data));
      hls.loadSource(this.grant.url);
      hls.attachMedia(this.audio);
    } else if (this.audio.canPlayType("application/vnd.apple.mpegurl")) {
      this.audio.src = this.grant.url;
      this.audio.addEventListener(
        "loadedmetadata",
        () => {
          this.audio.currentTime = positionMs / 1000;
        },
        { once: true },
      );
      this.audio.load();
    } else {
      this.engine.onError("This browser cannot play HLS audio.");
    }
  }

  async hlsError(Hls, data) {
    if (!data.fatal) {
      // hls.js retries a refused request (403, 410) as non-fatal, with the same expired token,
      // before it gives up; a new grant makes its next retry go out with a fresh one (xhrSetup).
      const status = data.response?.code;
      if ((status === 403 || status === 410) && Date.now() - this.refusedAt > 5_000) {
        this.refusedAt = Date.now();
        this.refresh().catch(() => {});
      }
      return;
    }
    this.failures += 1;
    if (this.failures > 3) {
      this.engine.onError("Playback failed: the stream could not be loaded.");
      return;
    }
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
      this.hls.recoverMediaError();
      return;
    }
    // An expired or refused token (410/403), or the network: a new URL, and on from here.
    try {
      await this.refresh();
      const wasPlaying = !this.audio.paused;
      await this.start(this.audio.currentTime * 1000);
      if (wasPlaying) {
        this.audio.play().catch(() => {});
      }
    } catch (error) {
      this.engine.onError(error.message);
    }
  }

  unload() {
    clearTimeout(this.refreshTimer);
    this.resetFade();
    if (this.hls) {
      this.hls.destroy();
      this.hls = null;
    }
    this.audio.pause();
    this.audio.removeAttribute("src");
    this.audio.load();
    this.trackId = null;
    this.grant = null;
    this.lastTime = null;
  }
}

export class AudioEngine {
  constructor({ elements, hlsSrc, onEnded, onPlaying, onProgress, onTime, onError }) {
    this.hlsSrc = hlsSrc;
    this.onEnded = onEnded;
    this.onPlaying = onPlaying;
    this.onProgress = onProgress;
    this.onTime = onTime;
    this.onError = onError;
    this.volume = 1;
    this.muted = false;
    this.normalize = localStorage.getItem("streamify.normalize") !== "off";
    this.crossfadeMs = clampCrossfade(Number(localStorage.getItem("streamify.crossfade") || 0));
    this.context = null;
    this.prefetched = null; // {trackId, promise, at}
    this.decks = elements.map((element) => new Deck(this, element));
    this.current = this.decks[0];
  }

  // A grant asked for ahead of the state that will need it (a click on play in this tab); taken
  // once, and only while young enough to be worth more than a new request.
  prefetchGrant(trackId) {
    const promise = api(`/v1/tracks/${encodeURIComponent(trackId)}/stream`);
    promise.catch(() => {}); // a refusal is shown when the state's load asks again
    this.prefetched = { trackId, promise, at: Date.now() };
  }

  takePrefetchedGrant(trackId) {
    const prefetched = this.prefetched;
    if (!prefetched || prefetched.trackId !== trackId || Date.now() - prefetched.at > PREFETCH_FRESH_MS) {
      return null;
    }
    this.prefetched = null;
    return prefetched.promise.catch(() => api(`/v1/tracks/${encodeURIComponent(trackId)}/stream`));
  }

  get idle() {
    return this.decks.find((deck) => deck !== this.current);
  }

  audioContext() {
    if (!this.context) {
      const Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) {
        return null;
      }
      this.context = new Context();
    }
    if (this.context.state === "suspended") {
      this.context.resume().catch(() => {});
    }
    return this.context;
  }

  get trackId() {
    return this.current.trackId;
  }

  get positionMs() {
    return this.current.audio.currentTime * 1000;
  }

  get durationMs() {
    const duration = this.current.audio.duration;
    return Number.isFinite(duration) ? duration * 1000 : null;
  }

  get playing() {
    return !this.current.audio.paused;
  }

  // Make `trackId` current: the preloaded idle deck if it holds it, else a fresh load.
  async cue(trackId, positionMs) {
    if (this.fading && this.fading.trackId !== trackId) {
      this.endFade(); // the listener moved on: the tail of the old track stops now
    }
    if (this.current.trackId === trackId) {
      return true;
    }
    if (this.idle.trackId === trackId) {
      const previous = this.current;
      this.current = this.idle;
      previous.unload();
      if (Math.abs(this.positionMs - positionMs) > 1500) {
        this.seek(positionMs);
      }
      return true;
    }
    this.idle.unload();
    return this.current.load(trackId, { positionMs });
  }

  async play() {
    this.current.attachGraph();
    this.current.applyGain();
    return this.current.audio.play();
  }

  pause() {
    this.endFade();
    this.current.audio.pause();
  }

  seek(positionMs) {
    this.endFade();
    this.current.audio.currentTime = Math.max(0, positionMs / 1000);
  }

  // The deck whose track is fading out under the current one, if a crossfade is under way.
  get fading() {
    return this.decks.find((deck) => deck !== this.current && deck.fadeTimer !== null) || null;
  }

  endFade() {
    const deck = this.fading;
    if (deck) {
      deck.unload();
    }
  }

  // Whether the current track is close enough to its end to start crossfading into `trackId`:
  // a crossfade is set, Web Audio is on, and the idle deck has that track ready to play.
  shouldCrossfade(trackId) {
    const remaining = this.durationMs - this.positionMs;
    const idle = this.idle;
    return (
      this.crossfadeMs > 0 &&
      Boolean(trackId) &&
      Number.isFinite(remaining) &&
      remaining > 0 &&
      remaining <= this.crossfadeMs &&
      !this.current.audio.paused &&
      idle.trackId === trackId &&
      Boolean(idle.grant) &&
      idle.audio.readyState >= 3 && // HAVE_FUTURE_DATA: it can start at once
      Boolean(this.current.fade && this.audioContext())
    );
  }

  // Start `trackId` on the idle deck now and fade the current one out over what is left of it;
  // the old deck unloads itself when its fade is done. Returns false if it could not start.
  crossfadeTo(trackId) {
    if (!this.shouldCrossfade(trackId)) {
      return false;
    }
    const seconds = (this.durationMs - this.positionMs) / 1000;
    const previous = this.current;
    this.current = this.idle;
    this.current.attachGraph();
    if (!this.current.fade) {
      this.current = previous;
      return false;
    }
    this.current.applyGain();
    this.current.fadeTo("in", seconds);
    previous.fadeTo("out", seconds);
    previous.fadeTimer = setTimeout(() => previous.unload(), seconds * 1000 + 250);
    this.current.audio.play().catch(() => {});
    return true;
  }

  // The ended track's successor, if the idle deck has it: start it at once (the server hears
  // about it right after, through the `ended` command).
  advanceTo(trackId) {
    if (!trackId || this.idle.trackId !== trackId || !this.idle.grant || this.fading) {
      return false;
    }
    const previous = this.current;
    this.current = this.idle;
    previous.unload();
    this.play().catch(() => {});
    return true;
  }

  preload(trackId) {
    if (!trackId || this.idle.trackId === trackId || this.current.trackId === trackId || this.fading) {
      return; // (the idle deck is still playing out a crossfade: preload once it is done)
    }
    this.idle.load(trackId, { positionMs: 0 }).catch(() => this.idle.unload());
  }

  setCrossfade(seconds) {
    this.crossfadeMs = clampCrossfade(seconds * 1000);
    localStorage.setItem("streamify.crossfade", String(this.crossfadeMs));
  }

  stop() {
    for (const deck of this.decks) {
      deck.unload();
    }
  }

  setVolume(volume, muted) {
    this.volume = volume;
    this.muted = muted;
    for (const deck of this.decks) {
      deck.applyGain();
    }
  }

  setNormalize(on) {
    this.normalize = on;
    localStorage.setItem("streamify.normalize", on ? "on" : "off");
    for (const deck of this.decks) {
      deck.applyGain();
    }
  }
}
