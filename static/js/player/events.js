// Play events (README "Play events"): the active device records play.start, play.progress every
// 30 s of listening, and play.end or skip, each with a client-made id so a retried batch is never
// counted twice. Events wait in localStorage (per user and device) until the server has answered
// for them, so a closed tab or a lost connection loses none: they go out with the next batch,
// when the browser is back online, or from the next page of this user that finds them.
//
// On pagehide the batch goes with fetch(..., {keepalive: true}) rather than navigator.sendBeacon:
// a beacon cannot carry the X-CSRFToken header that the session-authenticated API requires, and
// keepalive fetch outlives the page the same way (within the browser's 64 KiB keepalive budget,
// which a batch of at most 100 events stays well under).

import { ApiError, api, uuid } from "./api.js";

const ENDPOINT = "/v1/me/player/events";
const PROGRESS_EVERY_MS = 30_000;
const FLUSH_EVERY_MS = 15_000;
const BATCH_MAX = 100;
const KEEP_MAX = 1000;
const MAX_AGE_MS = 29 * 24 * 3600 * 1000; // the server refuses events older than 30 days
const ALIVE_MS = 60_000;

export class PlayEvents {
  constructor({ userId, deviceId }) {
    this.prefix = `streamify.events.${userId}.`;
    this.key = `${this.prefix}${deviceId}`;
    this.aliveKey = `streamify.events-alive.${userId}.${deviceId}`;
    this.deviceId = deviceId;
    this.play = null; // {track, context, played, reported}
    this.sending = false;
    setInterval(() => this.flush(), FLUSH_EVERY_MS);
    setInterval(() => this.markAlive(), ALIVE_MS / 2);
    this.markAlive();
    window.addEventListener("online", () => this.flush({ orphans: true }));
    setTimeout(() => this.flush({ orphans: true }), 2_000);
  }

  markAlive() {
    try {
      localStorage.setItem(this.aliveKey, String(Date.now()));
    } catch {
      // storage full or blocked: events still go out while the page lives
    }
  }

  read(key = this.key) {
    try {
      return JSON.parse(localStorage.getItem(key) || "[]");
    } catch {
      return [];
    }
  }

  write(events, key = this.key) {
    const fresh = events.filter((event) => Date.now() - event.timestamp < MAX_AGE_MS).slice(-KEEP_MAX);
    try {
      if (fresh.length) {
        localStorage.setItem(key, JSON.stringify(fresh));
      } else {
        localStorage.removeItem(key);
      }
    } catch {
      // see markAlive
    }
  }

  record(type, playing, msPlayed) {
    const event = {
      id: uuid(),
      type,
      track: playing.track,
      ms_played: Math.max(0, Math.round(msPlayed)),
      timestamp: Date.now(),
      device_id: this.deviceId,
    };
    if (playing.context) {
      event.context_uri = playing.context;
    }
    this.write([...this.read(), event]);
  }

  // The active device starts (or resumes on this device) a track.
  start(track, context) {
    if (this.play?.track === track) {
      return;
    }
    this.finish("skip");
    this.play = { track, context, played: 0, reported: 0 };
    this.record("play.start", this.play, 0);
  }

  progress(track, ms) {
    if (!this.play || this.play.track !== track) {
      return;
    }
    this.play.played += ms;
    if (this.play.played - this.play.reported >= PROGRESS_EVERY_MS) {
      this.play.reported = this.play.played;
      this.record("play.progress", this.play, this.play.played);
    }
  }

  // The track finished (`play.end`), or the listener moved on before it did (`skip`).
  finish(type) {
    if (!this.play) {
      return;
    }
    this.record(type, this.play, this.play.played);
    this.play = null;
    this.flush();
  }

  orphanKeys() {
    const keys = [];
    for (let i = 0; i < localStorage.length; i += 1) {
      const key = localStorage.key(i);
      if (!key?.startsWith(this.prefix) || key === this.key) {
        continue;
      }
      const device = key.slice(this.prefix.length);
      const alive = Number(localStorage.getItem(this.aliveKey.replace(/[^.]+$/, device)) || 0);
      if (Date.now() - alive > ALIVE_MS * 2) {
        keys.push(key); // its tab is gone: this one sends its events
      }
    }
    return keys;
  }

  async flush({ orphans = false, keepalive = false } = {}) {
    if (this.sending && !keepalive) {
      return;
    }
    this.sending = true;
    try {
      for (const key of [this.key, ...(orphans ? this.orphanKeys() : [])]) {
        await this.send(key, keepalive);
      }
    } finally {
      this.sending = false;
    }
  }

  async send(key, keepalive) {
    const batch = this.read(key).slice(0, BATCH_MAX);
    if (!batch.length || (!navigator.onLine && !keepalive)) {
      return;
    }
    try {
      await api(ENDPOINT, { method: "POST", body: { events: batch }, keepalive });
    } catch (error) {
      // A 400 is a batch the server will never take; anything else (offline, 5xx, 429, an old
      // CSRF token) is worth another try later.
      if (!(error instanceof ApiError && error.status === 400)) {
        return;
      }
    }
    // Accepted, duplicate or rejected, each event has its answer: drop the ones sent.
    const sent = new Set(batch.map((event) => event.id));
    this.write(
      this.read(key).filter((event) => !sent.has(event.id)),
      key,
    );
  }

  // The page is going away: what is unsent goes now, and stays stored in case it does not arrive.
  pagehide() {
    this.flush({ keepalive: true });
  }
}
