// One websocket per tab to /ws/player/ (README "Player websocket"): hello with this tab's device,
// heartbeats so the server keeps the device listed, commands answered by ack or error, and every
// state the server broadcasts. It reconnects with backoff and says the version it has; the server
// answers with the current state, which replaces anything this tab thought while it was away.

import { ApiError } from "./api.js";

const HEARTBEAT_MS = 30_000; // well inside PLAYER_DEVICE_TIMEOUT_SECONDS (90 s)
const COMMAND_TIMEOUT_MS = 10_000;
const CONNECT_WAIT_MS = 8_000; // a command sent while (re)connecting waits this long for the hello's answer

export class PlayerSocket {
  constructor({ device, onState, onStatus }) {
    this.device = device;
    this.onState = onState;
    this.onStatus = onStatus || (() => {});
    this.version = 0;
    this.pending = new Map();
    this.nextId = 1;
    this.retry = 0;
    this.ws = null;
    this.ready = false;
    this.closing = false;
    this.waiters = [];
  }

  whenReady() {
    if (this.ready) {
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const waiter = (ok) => {
        clearTimeout(timer);
        resolve(ok);
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, CONNECT_WAIT_MS);
      this.waiters.push(waiter);
    });
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/ws/player/`);
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.retry = 0;
      this.send({ type: "hello", device: this.device, version: this.version });
    });
    ws.addEventListener("message", (event) => this.receive(event.data));
    ws.addEventListener("close", () => {
      this.ready = false;
      clearInterval(this.heartbeat);
      for (const { reject, timer } of this.pending.values()) {
        clearTimeout(timer);
        reject(new ApiError(0, "Lost the connection to the server; trying again.", "DISCONNECTED"));
      }
      this.pending.clear();
      if (this.closing) {
        return;
      }
      this.onStatus("offline");
      const delay = Math.min(30_000, 500 * 2 ** this.retry) * (0.75 + Math.random() / 2);
      this.retry += 1;
      setTimeout(() => this.connect(), delay);
    });
  }

  send(message) {
    if (this.ws?.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(message));
      return true;
    }
    return false;
  }

  receive(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (message.type === "state") {
      if (!this.ready) {
        this.ready = true;
        this.onStatus("online");
        clearInterval(this.heartbeat);
        this.heartbeat = setInterval(() => this.send({ type: "heartbeat" }), HEARTBEAT_MS);
        for (const waiter of this.waiters.splice(0)) {
          waiter(true);
        }
      }
      // Broadcasts arrive in version order, but a hello's answer can cross one in flight:
      // only a newer version replaces what is shown.
      if (message.version > this.version) {
        this.version = message.version;
        this.onState(message);
      }
      return;
    }
    const waiting = message.id != null ? this.pending.get(message.id) : null;
    if (!waiting) {
      return;
    }
    this.pending.delete(message.id);
    clearTimeout(waiting.timer);
    if (message.type === "ack") {
      waiting.resolve(message);
    } else {
      const error = message.error || {};
      waiting.reject(new ApiError(error.status || 400, error.message, error.reason));
    }
  }

  async command(name, args = {}) {
    const id = `c${this.nextId++}`;
    await this.whenReady();
    return new Promise((resolve, reject) => {
      if (!this.ready || !this.send({ type: "command", id, command: name, args })) {
        reject(new ApiError(0, "Not connected to the server yet; try again in a moment.", "DISCONNECTED"));
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ApiError(0, "The server did not answer in time.", "TIMEOUT"));
      }, COMMAND_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
    });
  }

  // The tab is going away: leave the device list (playback pauses if this tab was playing).
  bye() {
    this.closing = true;
    this.send({ type: "bye" });
    this.ws?.close();
  }
}
