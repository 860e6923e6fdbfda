// Photo/video pickers that upload each file as soon as it is chosen (cases app): 拍照 (the
// camera), 相册 (the gallery) and a short video, each an <input type=file> behind a big label.
// Each file goes to the pending-upload endpoint keyed by the form's UUID, so a bad
// submit or a dropped network loses nothing; the server checks every file by content
// and a bad one gets its message next to the picker. Files that could not be sent
// (offline) stay in the input and are posted with the form instead.
(function () {
  "use strict";

  function csrf() {
    var meta = document.querySelector("meta[name=csrf-token]");
    return meta ? meta.content : "";
  }

  function formUuid(form) {
    var el = form.querySelector("[name=client_uuid], [name=form_uuid]");
    return el ? el.value : "";
  }

  function addError(box, text) {
    var list = box.querySelector(".upload-errors");
    var li = document.createElement("li");
    li.textContent = text;
    list.appendChild(li);
  }

  function busy(form, delta) {
    var n = (parseInt(form.dataset.uploading || "0", 10) || 0) + delta;
    form.dataset.uploading = String(Math.max(n, 0));
    if (n <= 0 && form.dataset.submitWhenDone) {
      delete form.dataset.submitWhenDone;
      form.requestSubmit();
    }
  }

  function upload(form, input, file) {
    var box = input.closest(".uploader");
    var list = box.querySelector(".uploads");
    var item = document.createElement("li");
    item.className = "upload busy";
    // The photo shows at once (a local preview) while it is being sent.
    var preview = null;
    if (window.URL && URL.createObjectURL && /^image\//.test(file.type || "")) {
      preview = URL.createObjectURL(file);
      var img = document.createElement("img");
      img.src = preview;
      img.alt = "";
      img.width = 88;
      img.height = 88;
      item.appendChild(img);
    }
    var note = document.createElement("span");
    note.className = "small name";
    note.textContent = (box.dataset.msgUploading || "…") + " " + file.name;
    item.appendChild(note);
    list.appendChild(item);
    var data = new FormData();
    data.append("file", file);
    data.append("form_uuid", formUuid(form));
    data.append("slot", input.dataset.uploadSlot);
    busy(form, 1);
    return fetch(form.dataset.uploadUrl, {
      method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRFToken": csrf(), "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (result.ok) {
        var holder = document.createElement("ul");
        holder.innerHTML = result.body.html;
        item.replaceWith(holder.firstElementChild);
        return null;
      }
      item.remove();
      addError(box, file.name + ": " + (result.body.error || ""));
      return null;
    }, function () {
      item.remove();
      addError(box, file.name + ": " + (box.dataset.msgOffline || "offline"));
      return file; // keep it in the input: it will be posted with the form
    }).finally(function () {
      if (preview) { URL.revokeObjectURL(preview); }
      busy(form, -1);
    });
  }

  function onChange(event) {
    var input = event.target;
    var form = input.form;
    if (!input.matches("input[type=file][data-upload-slot]") || !form || !form.dataset.uploadUrl || !window.fetch) { return; }
    var box = input.closest(".uploader");
    box.querySelector(".upload-errors").innerHTML = "";
    var files = Array.prototype.slice.call(input.files || []);
    Promise.all(files.map(function (f) { return upload(form, input, f); })).then(function (left) {
      var keep = left.filter(Boolean);
      try {
        var dt = new DataTransfer();
        keep.forEach(function (f) { dt.items.add(f); });
        input.files = dt.files;
      } catch (e) {
        if (!keep.length) { input.value = ""; }
      }
    });
  }

  function onClick(event) {
    var button = event.target.closest("[data-remove-url]");
    if (!button) { return; }
    event.preventDefault();
    var box = button.closest(".uploader");
    var failed = function () {
      button.disabled = false;
      if (box) { addError(box, box.dataset.msgRemoveFailed || "!"); }
    };
    button.disabled = true;
    fetch(button.dataset.removeUrl, { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf() } })
      .then(function (response) {
        if (!response.ok) { failed(); return; }
        button.closest("li").remove();
        // Keep the focus in the picker (the removed button took it with it).
        var next = box && box.querySelector("[data-remove-url], .photo-btn");
        if (next) { (next.tagName === "LABEL" ? document.getElementById(next.htmlFor) || next : next).focus(); }
      }, failed);
  }

  function onSubmit(event) {
    var form = event.target;
    if (!form.dataset.uploadUrl) { return; }
    if ((parseInt(form.dataset.uploading || "0", 10) || 0) > 0) {
      // Wait for the photos still being sent, then submit by itself.
      event.preventDefault();
      event.stopImmediatePropagation();
      form.dataset.submitWhenDone = "1";
    }
  }

  // Fill a field from a chip (e.g. the merge target on the action page).
  function onFill(event) {
    var chip = event.target.closest("[data-fill]");
    if (!chip) { return; }
    var field = document.querySelector(chip.dataset.fill);
    if (field) { field.value = chip.dataset.value; field.focus(); }
  }

  document.addEventListener("change", onChange);
  document.addEventListener("click", onClick);
  document.addEventListener("click", onFill);
  document.querySelectorAll("form[data-upload-url]").forEach(function (form) {
    form.addEventListener("submit", onSubmit);
  });
})();
