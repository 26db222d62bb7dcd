// Streams the chosen file as the request body to the upload API, with a progress bar.
(function () {
  const form = document.getElementById("upload-form");
  if (!form) return;
  const progress = document.getElementById("upload-progress");
  const status = document.getElementById("upload-status");
  const button = document.getElementById("upload-button");
  const csrf = document.querySelector('meta[name="csrf-token"]').content;

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const file = document.getElementById("upload-file").files[0];
    if (!file) return;
    if (file.size > Number(form.dataset.maxBytes)) {
      status.textContent = form.dataset.tooLarge;
      return;
    }
    const kind = document.getElementById("upload-kind").value;
    const url = form.dataset.uploadUrl + "?filename=" + encodeURIComponent(file.name) + "&kind=" + encodeURIComponent(kind);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("X-CSRFToken", csrf);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    if (file.type) xhr.setRequestHeader("X-Content-Type", file.type);
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) {
        progress.value = Math.round((e.loaded / e.total) * 100);
        status.textContent = progress.value + "%";
      }
    });
    xhr.addEventListener("load", () => {
      button.disabled = false;
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (err) { body = {}; }
      if (xhr.status === 200 || xhr.status === 201) {
        status.textContent = "SHA-256 " + body.sha256;
        // The page says "File uploaded" once it is shown again (store/lib/flash.py: a code in a
        // short-lived cookie scoped to this page, which the server deletes after showing it).
        const secure = window.location.protocol === "https:" ? "; secure" : "";
        document.cookie = "store_done=file_uploaded; path=" + window.location.pathname + "; max-age=300; samesite=lax" + secure;
        window.location.reload();
      } else {
        const error = body.error || {};
        const details = (error.details || []).map((d) => d.message).join(" ");
        status.textContent = (error.message || xhr.statusText) + " " + details;
        progress.hidden = true;
      }
    });
    xhr.addEventListener("error", () => {
      button.disabled = false;
      progress.hidden = true;
      status.textContent = form.dataset.networkError;
    });
    progress.hidden = false;
    progress.value = 0;
    button.disabled = true;
    xhr.send(file);
  });
})();
