// The studio's upload form, enhanced: the file is sent with XMLHttpRequest because fetch() cannot
// report upload progress, and the byte progress is shown as a progress bar. Without this script
// the form is an ordinary multipart POST and works the same, only without the bar.
//
// The server answers an XMLHttpRequest upload with 201 + {"redirect"} on success; on failure it
// sends the same HTML page a plain POST gets (with the right 4xx status), and the form is swapped
// for the one in that page so errors show next to their fields.

const FORM = "form[data-upload-form]";

function formatBytes(bytes) {
  const units = ["bytes", "KB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

function parts(form) {
  return {
    submit: form.querySelector("[data-upload-submit]"),
    cancel: form.querySelector("[data-upload-cancel]"),
    progressBox: form.querySelector("[data-upload-progress]"),
    bar: form.querySelector("[data-upload-progress] progress"),
    status: form.querySelector("[data-upload-status]"),
  };
}

function setBusy(form, busy) {
  const { submit, cancel, progressBox } = parts(form);
  submit.disabled = busy;
  cancel.hidden = !busy;
  progressBox.hidden = !busy;
  form.setAttribute("aria-busy", busy ? "true" : "false");
}

function say(form, text) {
  parts(form).status.textContent = text;
}

// Existing album chosen: the "new album" fields do not apply, so they are disabled (and not sent).
function syncAlbumFields(form) {
  const album = form.querySelector("[name=album_id]");
  const fields = form.querySelector("fieldset[data-new-album]");
  if (album && fields) {
    fields.disabled = album.value !== "";
  }
}

function replaceForm(form, html) {
  const page = new DOMParser().parseFromString(html, "text/html");
  const fresh = page.querySelector(FORM);
  if (!fresh) {
    return false;
  }
  const adopted = document.adoptNode(fresh);
  form.replaceWith(adopted);
  syncAlbumFields(adopted);
  const summary = adopted.querySelector("[data-error-summary]");
  (summary || adopted.querySelector("[aria-invalid=true]"))?.focus();
  return true;
}

function upload(form) {
  const file = form.querySelector("input[type=file][name=file]")?.files?.[0];
  const maxBytes = Number(form.dataset.maxBytes || 0);
  if (file && maxBytes && file.size > maxBytes) {
    say(form, `This file is ${formatBytes(file.size)}; the limit is ${formatBytes(maxBytes)}.`);
    return;
  }

  const xhr = new XMLHttpRequest();
  const { bar, cancel } = parts(form);
  let lastAnnounced = -1;

  xhr.upload.addEventListener("progress", (event) => {
    if (!event.lengthComputable) {
      bar.removeAttribute("value"); // indeterminate
      return;
    }
    const percent = Math.floor((event.loaded / event.total) * 100);
    bar.value = percent;
    // Announce in steps of 10 % so screen readers are told, not flooded.
    if (percent >= lastAnnounced + 10 || percent === 100) {
      lastAnnounced = percent;
      say(form, `Sent ${percent} % (${formatBytes(event.loaded)} of ${formatBytes(event.total)}).`);
    }
  });
  xhr.upload.addEventListener("load", () => say(form, "File sent. Checking it…"));

  xhr.addEventListener("load", () => {
    const type = xhr.getResponseHeader("Content-Type") || "";
    if (xhr.status === 201 && type.includes("application/json")) {
      say(form, "Uploaded. Opening your uploads…");
      window.location.assign(JSON.parse(xhr.responseText).redirect);
      return;
    }
    if (xhr.responseURL && new URL(xhr.responseURL).pathname !== new URL(form.action).pathname) {
      // Redirected elsewhere (the session expired: the log-in page): go there for real.
      window.location.assign(xhr.responseURL);
      return;
    }
    setBusy(form, false);
    if (!(type.includes("text/html") && replaceForm(form, xhr.responseText))) {
      say(form, `The upload failed (HTTP ${xhr.status}). Please try again.`);
    }
  });
  xhr.addEventListener("error", () => {
    setBusy(form, false);
    // A server that refuses a too-large body may close the connection before the browser has
    // finished sending it; the browser then reports a network error, not the 413 page.
    say(form, "The upload was interrupted. Check your connection, and that the file is within the size limit.");
  });
  xhr.addEventListener("abort", () => {
    setBusy(form, false);
    say(form, "Upload cancelled.");
  });
  cancel.onclick = () => xhr.abort();

  xhr.open("POST", form.action);
  xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
  const token = form.querySelector("[name=csrfmiddlewaretoken]")?.value;
  if (token) {
    xhr.setRequestHeader("X-CSRFToken", token);
  }
  setBusy(form, true);
  bar.value = 0;
  say(form, "Starting upload…");
  xhr.send(new FormData(form));
}

// Delegated listeners: the form element is replaced after a refused upload.
document.addEventListener("submit", (event) => {
  const form = event.target.closest(FORM);
  if (!form || !window.FormData) {
    return;
  }
  event.preventDefault();
  upload(form);
});

document.addEventListener("change", (event) => {
  if (event.target.matches(`${FORM} [name=album_id]`)) {
    syncAlbumFields(event.target.form);
  }
});

const initial = document.querySelector(FORM);
if (initial) {
  syncAlbumFields(initial);
}
