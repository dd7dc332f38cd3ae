// "Go to radio" (templates/includes/radio_button.html): without JavaScript the form posts to /radio and
// the page reloads, which would stop the player; here the station is started through the API
// (POST /v1/me/radio) and its page opens in place (player/nav.js), so what is playing plays on.

import { api } from "./player/api.js";
import { navigate } from "./player/nav.js";

document.addEventListener("submit", async (event) => {
  const form = event.target.closest?.("form[data-radio]");
  if (!form) {
    return;
  }
  event.preventDefault();
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const station = await api("/v1/me/radio", { method: "POST", body: { seed_uri: form.elements.seed_uri.value } });
    await navigate(`/playlist/${station.id}`);
  } catch (error) {
    window.streamifyPlayer?.toast({ title: "Could not start the radio", message: error.message, kind: "error" });
  } finally {
    button.disabled = false;
  }
});
