// Mobile inspection (一表巡): save each answer as it is tapped, upload photos as they are taken,
// show progress, and fill in the browser's location. Plain JS, no build step.
// Without JavaScript the page is still one ordinary form: submitting it carries every answer and photo.
(function () {
  "use strict";

  function csrf() {
    var meta = document.querySelector("meta[name=csrf-token]");
    return meta ? meta.content : "";
  }

  // Messages come translated from the page (inspections/_js_text.html).
  var TEXT = {};
  try { TEXT = JSON.parse(document.getElementById("inspection-text").textContent); } catch (e) { TEXT = {}; }
  function t(key, fallback) { return TEXT[key] || fallback; }

  // ---- location: fill latitude/longitude of every [data-geo] form --------------------------
  function locate() {
    var forms = document.querySelectorAll("form[data-geo]");
    if (!forms.length) { return; }
    var statuses = document.querySelectorAll("[data-geo-status]");
    function say(text) { statuses.forEach(function (el) { el.textContent = text; }); }
    if (!navigator.geolocation) { say(t("noGeolocation", "No location")); return; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      forms.forEach(function (form) {
        var lat = form.querySelector("input[name=latitude]"), lng = form.querySelector("input[name=longitude]");
        if (lat && lng) { lat.value = pos.coords.latitude.toFixed(6); lng.value = pos.coords.longitude.toFixed(6); }
      });
      say(t("located", "Location") + ": " + pos.coords.latitude.toFixed(5) + ", " + pos.coords.longitude.toFixed(5) +
          " (±" + Math.round(pos.coords.accuracy) + " m)");
    }, function () {
      say(t("noLocation", "No location"));
    }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  }

  // ---- a checklist form started without a signal (inspections.views.inspection_blank) ---------
  // The page kept on the phone holds a placeholder UUID: it becomes the one of the queued start
  // (?uuid=), in every address of the page. Its answers and photos go with the submit (queued
  // after the start, sent in order); nothing is posted before, the inspection does not exist yet.
  var blank = document.querySelector("form[data-blank-uuid]");
  if (blank) {
    var wanted = new URLSearchParams(location.search).get("uuid") || "";
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(wanted)) {
      location.replace(blank.dataset.blankBack);
      return;
    }
    var placeholder = blank.dataset.blankUuid;
    ["action", "formaction", "href", "data-url", "data-answer-url", "data-photo-url"].forEach(function (name) {
      document.querySelectorAll("main [" + name + "]").forEach(function (node) {
        var value = node.getAttribute(name);
        if (value.indexOf(placeholder) !== -1) { node.setAttribute(name, value.split(placeholder).join(wanted.toLowerCase())); }
      });
    });
  }

  // ---- the checklist form ------------------------------------------------------------------
  var form = document.getElementById("inspection-form");
  var pending = {};   // item id -> true while an answer waits for the network
  var sequence = {};  // item id -> last request number (stale responses are ignored)
  var inflight = {};  // item id -> the promise of its latest save (whenSaved waits for them)

  function itemOf(el) { return el.closest ? el.closest(".item[data-item]") : null; }
  function state(item, text, cls) {
    var el = item.querySelector(".save-state");
    if (el) { el.textContent = text; el.className = "save-state small " + (cls || "muted"); }
  }

  function refreshProgress(header) {
    var box = document.getElementById("progress");
    if (!box) { return; }
    var answered, total = parseInt(box.dataset.total, 10);
    if (header && /^\d+\/\d+$/.test(header)) {
      answered = parseInt(header.split("/")[0], 10);
      total = parseInt(header.split("/")[1], 10);
    } else {
      answered = form.querySelectorAll(".pfn input:checked").length;
    }
    box.dataset.answered = answered;
    box.querySelector("[data-progress-text]").textContent = answered + " / " + total;
    box.querySelector(".bar span").style.width = (total ? Math.round(100 * answered / total) : 0) + "%";
    var rest = form.querySelectorAll(".item[data-item]").length - form.querySelectorAll(".pfn input:checked").length;
    var button = document.getElementById("mark-rest");
    if (button) {
      var count = button.querySelector("[data-rest-count]");
      if (count) { count.textContent = rest; }
      button.hidden = rest <= 0;
    }
    form.querySelectorAll("details[data-section]").forEach(function (section) {
      var count = section.querySelector("[data-section-count]");
      var n = section.querySelectorAll(".item").length, done = section.querySelectorAll(".pfn input:checked").length;
      if (count) { count.textContent = done + " / " + n; }
    });
  }

  function toggle(item) {
    var checked = item.querySelector(".pfn input:checked");
    var detail = item.querySelector(".fail-detail");
    if (detail) { detail.hidden = !(checked && checked.value === "fail"); }
    var fixed = item.querySelector("input[name^=fixed_]"), after = item.querySelector(".after");
    if (fixed && after) { after.hidden = !fixed.checked; }
  }

  function complete(section) {
    return section.querySelectorAll(".item").length === section.querySelectorAll(".pfn input:checked").length;
  }

  // A department's items all answered: fold it and open the next one still to do.
  function nextSection(section) {
    var sections = Array.prototype.slice.call(form.querySelectorAll("details[data-section]"));
    var next = sections.slice(sections.indexOf(section) + 1).concat(sections).filter(function (s) { return !complete(s); })[0];
    if (!next) { return; }
    section.open = false;
    next.open = true;
    next.scrollIntoView({ block: "start", behavior: "smooth" });
  }

  function replaceItem(item, html) {
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var fresh = holder.firstElementChild;
    if (fresh && fresh.classList.contains("item")) { item.replaceWith(fresh); toggle(fresh); return fresh; }
    return item;
  }

  function answerData(item) {
    var id = item.dataset.item, data = new FormData();
    data.append("item", id);
    var result = item.querySelector("input[name=result_" + id + "]:checked");
    var reason = item.querySelector("input[name=reason_" + id + "]:checked");
    var remark = item.querySelector("textarea[name=remark_" + id + "]");
    var fixed = item.querySelector("input[name=fixed_" + id + "]");
    data.append("result", result ? result.value : "");
    data.append("reason", reason ? reason.value : "");
    data.append("remark", remark ? remark.value : "");
    if (fixed && fixed.checked) { data.append("fixed", "1"); }
    return data;
  }

  function post(url, data) {
    if (blank) { return Promise.reject(new Error("not started yet")); }  // kept for the submit
    return fetch(url, { method: "POST", body: data, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), "X-Requested-With": "fetch" } });
  }

  // The draft's revision: every save answers with the new one; "mark the rest" posts it, so a
  // page that missed a change made elsewhere (another tab or phone) is refused, not applied.
  function setRevision(value) {
    var input = form.querySelector("[data-revision]"), n = parseInt(value, 10);
    if (input && !isNaN(n) && n > (parseInt(input.value, 10) || 0)) { input.value = String(n); }
  }

  // Every answer goes to the server through this one function (the offline layer hooks in here).
  function saveAnswer(item) {
    var id = item.dataset.item, n = (sequence[id] || 0) + 1;
    sequence[id] = n;
    state(item, t("saving", "saving"));
    var request = post(form.dataset.answerUrl, answerData(item)).then(function (response) {
      setRevision(response.headers.get("X-Inspection-Revision"));
      return response.text().then(function (html) {
        if (sequence[id] !== n) { return; }  // a newer answer for this item is on its way
        delete pending[id];
        var current = document.getElementById("item-" + id) || item;
        if (response.headers.get("X-Inspection-Saved") === "1") {
          state(current, t("saved", "saved"));
          current.classList.remove("has-error");
          var errors = current.querySelector(".errorlist");
          if (errors) { errors.remove(); }
          refreshProgress(response.headers.get("X-Inspection-Progress"));
        } else if (html.indexOf('class="item') !== -1) {
          current = replaceItem(current, html);
          refreshProgress();
        } else {
          state(current, t("failed", "failed"), "flag");
          current.insertAdjacentHTML("beforeend", html);
        }
      });
    }).catch(function () {
      pending[id] = true;
      state(item, t("offline", "offline"), "offline");
    });
    inflight[id] = request;
    request.then(function () { if (inflight[id] === request) { delete inflight[id]; } });
    return request;
  }

  // Resolves when every answer sent so far has had its answer (saved, refused or offline).
  function whenSaved() {
    return Promise.all(Object.keys(inflight).map(function (id) { return inflight[id]; })).then(function () {
      return Object.keys(inflight).length ? whenSaved() : null;
    });
  }

  // ---- 其余全部合格: every item still unanswered becomes "pass", in one request ---------------
  function unanswered() {
    return Array.prototype.filter.call(form.querySelectorAll(".item[data-item]"), function (item) {
      return !item.querySelector(".pfn input:checked");
    });
  }

  function markErrors(messages, reload) {
    var box = document.querySelector("[data-mark-rest-errors]");
    if (!box) { return; }
    box.textContent = "";
    (messages || []).forEach(function (m) { var p = document.createElement("div"); p.textContent = m; box.appendChild(p); });
    if (reload) {
      var a = document.createElement("a");
      a.href = typeof reload === "string" ? reload : location.pathname;
      a.textContent = t("reload", "Show the latest answers");
      box.appendChild(a);
    }
  }

  function markPassed(ids) {
    ids.forEach(function (id) {
      var item = document.getElementById("item-" + id);
      var radio = item && item.querySelector(".pfn input[value=pass]");
      if (!radio) { return; }
      radio.checked = true;
      toggle(item);
      state(item, t("saved", "saved"));
    });
  }

  // Everything answered: fold the finished departments and bring the submit button into view.
  function showSubmit() {
    form.querySelectorAll("details[data-section]").forEach(function (section) {
      var done = complete(section);
      section.dataset.complete = done ? "1" : "";
      if (done && !section.classList.contains("has-error")) { section.open = false; }
    });
    var button = document.getElementById("submit-inspection");
    var card = document.getElementById("submit-card") || button;
    if (card) { card.scrollIntoView({ block: "center" }); }
    if (button) { try { button.focus({ preventScroll: true }); } catch (e) { button.focus(); } }
  }

  function markRest(button) {
    if (button.disabled) { return Promise.resolve(); }
    button.disabled = true;
    markErrors([]);
    return whenSaved().then(function () {
      var data = new FormData(), revision = form.querySelector("[data-revision]");
      data.append("revision", revision ? revision.value : "");
      unanswered().forEach(function (item) { data.append("items", item.dataset.item); });
      return post(button.dataset.url, data);
    }).then(function (response) {
      return response.json().then(function (body) {
        if (response.ok) {
          setRevision(body.revision);
          markPassed(body.marked || []);
          refreshProgress(body.answered + "/" + body.total);
          showSubmit();
        } else {
          markErrors(body.errors, body.url || body.stale);
        }
      });
    }).catch(function () {
      // No signal: mark them here; the submit (or the offline outbox) carries every answer.
      var ids = unanswered().map(function (item) { return item.dataset.item; });
      markPassed(ids);
      ids.forEach(function (id) { var item = document.getElementById("item-" + id); if (item) { state(item, t("offline", "offline"), "offline"); } });
      refreshProgress();
      form.dispatchEvent(new Event("change", { bubbles: true }));  // the phone keeps the page's answers
      showSubmit();
    }).then(function () { button.disabled = false; });
  }

  function uploadPhoto(item, input) {
    var file = input.files && input.files[0];
    if (!file) { return; }
    var data = new FormData();
    data.append("item", item.dataset.item);
    data.append("stage", input.dataset.stage || "fail");
    data.append("photo", file);
    state(item, t("uploading", "uploading"));
    // Save the answer first so the re-rendered item keeps what was just tapped.
    return Promise.resolve(saveAnswer(item)).then(function () {
      return post(form.dataset.photoUrl, data);
    }).then(function (response) {
      return response.text().then(function (html) {
        var current = document.getElementById("item-" + item.dataset.item) || item;
        if (html.indexOf('class="item') !== -1) {
          current = replaceItem(current, html);   // shows the thumbnail (or the error), input cleared
          state(current, response.headers.get("X-Inspection-Saved") === "1" ? t("saved", "saved") : t("failed", "failed"),
                response.headers.get("X-Inspection-Saved") === "1" ? "muted" : "flag");
        } else {
          state(current, t("failed", "failed"), "flag");
          current.insertAdjacentHTML("beforeend", html);
        }
      });
    }).catch(function () {
      // Keep the file in the input: the final submit sends it with the form.
      var label = input.closest(".camera");
      if (label) { label.classList.add("has-file"); }
      state(item, t("offline", "offline"), "offline");
    });
  }

  function retryPending() {
    Object.keys(pending).forEach(function (id) {
      var item = document.getElementById("item-" + id);
      if (item) { saveAnswer(item); }
    });
  }

  if (form) {
    form.addEventListener("change", function (event) {
      var target = event.target, item = itemOf(target);
      if (!item) { return; }
      if (target.type === "file") { uploadPhoto(item, target); return; }
      var section = item.closest("details[data-section]");
      toggle(item);
      refreshProgress();
      saveAnswer(item);
      if (section) {
        var before = section.dataset.complete === "1", now = complete(section);
        section.dataset.complete = now ? "1" : "";
        // The tap that answered a department's last item (not a failure: its details come next).
        if (!before && now && target.value !== "fail") { nextSection(section); }
      }
    });
    form.addEventListener("click", function (event) {
      var button = event.target.closest ? event.target.closest("button.photo-remove") : null;
      if (!button) { return; }
      event.preventDefault();
      var item = itemOf(button);
      post(button.dataset.url, new FormData()).then(function (response) {
        return response.text().then(function (html) { if (item) { replaceItem(item, html); } });
      }).catch(function () { if (item) { state(item, t("offline", "offline"), "offline"); } });
    });
    var markButton = document.getElementById("mark-rest");
    if (markButton) {
      markButton.addEventListener("click", function (event) { event.preventDefault(); markRest(markButton); });
    }
    // A double tap on "submit" sends one request (the server would answer both with the same record).
    var submitButton = document.getElementById("submit-inspection");
    form.addEventListener("submit", function (event) {
      if (event.submitter && event.submitter !== submitButton) { return; }
      if (form.dataset.submitting) { event.preventDefault(); return; }
      if (event.defaultPrevented) { return; }
      form.dataset.submitting = "1";
      setTimeout(function () { delete form.dataset.submitting; }, 10000);
    });
    window.addEventListener("pageshow", function () { delete form.dataset.submitting; });
    window.addEventListener("online", retryPending);
    setInterval(retryPending, 15000);
    form.querySelectorAll(".item[data-item]").forEach(toggle);
    form.querySelectorAll("details[data-section]").forEach(function (section) {
      section.dataset.complete = complete(section) ? "1" : "";
    });
  }

  if (form) { window.EcoInspection = { saveAnswer: saveAnswer, whenSaved: whenSaved, markRest: markRest }; }
  locate();
})();
