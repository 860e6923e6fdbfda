// Poor signal is normal: the page side of the offline layer (core/pwa.py, /sw.js, offline-store.js).
//
// * Registers the service worker, which keeps the phone pages and their files for use offline.
// * A form marked data-offline is kept on the phone (IndexedDB, with its photos) when it is
//   submitted without a signal, and sent when the signal returns (page load, the `online`
//   event, Background Sync). Hooks, all optional, on the <form>:
//     data-offline                      queue this form when it cannot be sent
//     data-offline-summary="a b"        fields whose values describe it in the outbox list
//     data-offline-require="a b"        fields that must be filled before it is queued
//     data-offline-fresh-uuid="name"    on a copy of the page, give this field a new UUID
//     data-offline-reopen="/x/?u={uuid}" where the worker fixes a refused item (default: this page)
//     data-offline-draft                keep what is entered on the phone until it is submitted
//     data-offline-always               queue it even with a signal: it must follow an item already
//                                       queued (the submit of an inspection started without a signal
//                                       goes after its start, not before it, if the signal is back)
//     data-offline-then="/x/?uuid={uuid}" once queued, open this page (kept on the phone) instead of
//                                       the outbox; an empty client_uuid field gets a new UUID first
//   <a data-offline-warm> links are fetched ahead, so those pages also open without a signal.
// * Shows "待发送 N" in the header and renders the outbox page (/outbox/).
(function () {
  "use strict";
  var configEl = document.getElementById("offline-config");
  var Outbox = window.EcoOutbox;
  if (!configEl || !Outbox || !window.indexedDB) { return; }
  var cfg = configEl.dataset;
  var TEXT = {};
  try { TEXT = JSON.parse(document.getElementById("offline-text").textContent); } catch (e) { TEXT = {}; }
  function t(key, vars) {
    var text = TEXT[key] || key;
    Object.keys(vars || {}).forEach(function (name) { text = text.replace("{" + name + "}", vars[name]); });
    return text;
  }
  var root = document.documentElement;
  var isCopy = root.hasAttribute("data-offline-copy");
  var isFallback = root.hasAttribute("data-offline-fallback");
  var PAGES = "ecogrid-pages";
  Outbox.configure({ sessionUrl: cfg.sessionUrl });

  function when(ms) {
    var d = new Date(ms);
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return two(d.getMonth() + 1) + "-" + two(d.getDate()) + " " + two(d.getHours()) + ":" + two(d.getMinutes());
  }
  function uuid4() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function banner(text, cls) {
    var main = document.querySelector("main");
    if (!main) { return null; }
    var p = el("p", "offline-banner " + (cls || ""), text);
    p.setAttribute("role", "status");
    main.insertBefore(p, main.firstChild);
    return p;
  }

  // ---- the service worker ------------------------------------------------------------------------
  var sw = "serviceWorker" in navigator ? navigator.serviceWorker : null;
  if (sw) { sw.register(cfg.swUrl, { scope: "/" }).catch(function () { /* the pages still work online */ }); }
  function tellWorker(message) {
    if (!sw) { return; }
    sw.ready.then(function (reg) { if (reg.active) { reg.active.postMessage(message); } });
  }
  function forgetPages() {
    if (window.caches) { caches.delete(PAGES).catch(function () { return null; }); }
  }

  // Whose phone this is now: another account's page copies are forgotten (shared phones).
  var userReady = Promise.resolve(cfg.user || "");
  if (!isCopy && !isFallback) {
    userReady = Outbox.meta("user").then(function (previous) {
      var now = cfg.user || "";
      if (previous === now) { return now; }
      if (previous) { forgetPages(); }  // logged out, or another account: the copies go
      return Outbox.meta("user", now).then(function () { return now; });
    }).catch(function () { return cfg.user || ""; });
  } else {
    userReady = Outbox.meta("user").then(function (u) { return u || ""; }, function () { return ""; });
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.getAttribute && new URL(form.action, location.href).pathname === cfg.logoutUrl) { forgetPages(); }
  }, true);

  // ---- a copy of the page (no signal) ------------------------------------------------------------
  if (isCopy) {
    var at = parseInt(root.getAttribute("data-offline-copy"), 10);
    banner(t("copy", { time: at ? when(at) : "" }), "copy");
    document.querySelectorAll("main > .messages").forEach(function (node) { node.remove(); });
    // A copy holds the UUID of the form it was saved with: a new report needs its own.
    document.querySelectorAll("form[data-offline-fresh-uuid]").forEach(function (form) {
      var field = form.elements[form.dataset.offlineFreshUuid];
      if (!field) { return; }
      field.value = uuid4();
      if (form.dataset.uuidKey) { try { sessionStorage.setItem(form.dataset.uuidKey, field.value); } catch (e) { /* private mode */ } }
    });
  }
  if (isFallback) { banner(t("fallback"), "fallback"); }

  // A copy carries the CSRF token it was saved with: when the signal is back, use a fresh one.
  function refreshToken() {
    if (!isCopy || !navigator.onLine) { return; }
    Outbox.fetchSession().then(function (session) {
      var meta = document.querySelector("meta[name=csrf-token]");
      if (meta) { meta.content = session.csrf; }
      document.querySelectorAll("input[name=csrfmiddlewaretoken]").forEach(function (input) { input.value = session.csrf; });
    }).catch(function () { return null; });
  }
  refreshToken();
  window.addEventListener("online", refreshToken);

  // ---- queueing a form -----------------------------------------------------------------------------
  function fieldOf(form, name) { return form.elements.namedItem ? form.elements.namedItem(name) : form.elements[name]; }

  function valueOf(field) {
    if (!field) { return ""; }
    if (!field.tagName) { return field.value || ""; }  // RadioNodeList: the checked value
    if (field.type === "radio" || field.type === "checkbox") { return field.checked ? field.value : ""; }
    return field.value || "";
  }

  function labelOf(form, name) {
    var field = fieldOf(form, name);
    var first = field && !field.tagName ? field[0] : field;
    if (!first) { return name; }
    var group = first.closest("[role=radiogroup][aria-label]");
    if (first.type === "radio" && group) { return group.getAttribute("aria-label"); }
    if (first.id) {
      var label = form.querySelector("label[for='" + first.id.replace(/'/g, "") + "']");
      if (label) { return label.textContent.replace(/\s+/g, " ").trim(); }
    }
    return first.getAttribute("aria-label") || name;
  }

  function summaryOf(form) {
    return (form.dataset.offlineSummary || "").split(/\s+/).filter(Boolean).map(function (name) {
      var field = fieldOf(form, name);
      var radio = field && !field.tagName ? Array.prototype.filter.call(field, function (r) { return r.checked; })[0]
        : (field && field.type === "radio" && field.checked ? field : null);
      if (radio) {
        var label = radio.closest("label");
        if (!label) { return radio.value; }
        var copy = label.cloneNode(true);
        copy.querySelectorAll("input, .badge, .small").forEach(function (n) { n.remove(); });
        return copy.textContent.replace(/\s+/g, " ").trim();
      }
      return valueOf(field).trim();
    }).filter(Boolean).join(" · ").slice(0, 240);
  }

  function uuidOf(form) {
    var field = fieldOf(form, "client_uuid");
    if (field && field.value) { return field.value; }
    var m = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i.exec(form.getAttribute("action") || location.pathname);
    return m ? m[0] : "";
  }

  // What the outbox shows and whose work it is, posted with the form (the server ignores it):
  // the service worker reads it when the network fails under a form sent "online".
  function stamp(form) {
    var uuid = uuidOf(form);
    var info = {
      user: cfg.user || "", title: (document.querySelector("main h1") || {}).textContent || document.title,
      summary: summaryOf(form), uuid: uuid,
      reopen: form.dataset.offlineReopen ? form.dataset.offlineReopen.replace("{uuid}", uuid) : location.pathname,
    };
    var input = fieldOf(form, "_outbox");
    if (!input || !input.tagName) {
      input = el("input");
      input.type = "hidden";
      input.name = "_outbox";
      form.appendChild(input);
    }
    input.value = JSON.stringify(info);
  }

  function notice(form, text, cls) {
    var box = form.querySelector(".offline-notice");
    if (!box) {
      box = el("p", "offline-notice");
      box.setAttribute("role", "status");
      var button = form.querySelector("button[type=submit]:not([formaction])");
      form.insertBefore(box, button || null);
    }
    box.className = "offline-notice " + (cls || "");
    box.textContent = text;
    box.scrollIntoView({ block: "nearest" });
  }

  function queue(form, submitter) {
    var data;
    try { data = new FormData(form, submitter || undefined); } catch (e) { data = new FormData(form); }
    var action = new URL(form.action, location.href);
    return Outbox.queueFormData(action.pathname + action.search, data).then(function (id) {
      forgetDraft(form);
      if (form.dataset.uuidKey) { try { sessionStorage.removeItem(form.dataset.uuidKey); } catch (e) { /* private mode */ } }
      if (form.dataset.offlineThen && sw && sw.controller) {
        location.assign(form.dataset.offlineThen.replace("{uuid}", encodeURIComponent(uuidOf(form))));
      } else if (sw && sw.controller) {
        location.assign(cfg.outboxUrl + "?queued=" + id);
      } else {
        form.dataset.offlineQueued = String(id);
        notice(form, t("queued"), "ok");
      }
    }, function () {
      notice(form, t("storeFailed"), "error");
    });
  }

  // The worker cuts a hanging post short (and keeps it) only at these addresses.
  var actions = Array.prototype.map.call(document.querySelectorAll("form[data-offline]"), function (form) {
    return new URL(form.action, location.href).pathname;
  });
  if (actions.length) {
    Outbox.meta("forms").then(function (known) {
      known = known || [];
      var fresh = actions.filter(function (a) { return known.indexOf(a) === -1; });
      if (fresh.length) { return Outbox.meta("forms", known.concat(fresh).slice(-50)); }
    }).catch(function () { return null; });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-offline]") || event.defaultPrevented) { return; }
    var submitter = event.submitter;
    if (submitter && submitter.hasAttribute("formaction")) { return; }
    // cases-upload.js holds the submit while photos are still going out, then submits again.
    if ((parseInt(form.dataset.uploading || "0", 10) || 0) > 0) { return; }
    stamp(form);
    if (navigator.onLine && !form.dataset.offlineQueued && !form.hasAttribute("data-offline-always")) {
      forgetDraft(form);
      return;  // the network takes it; on a dead signal the service worker queues it
    }
    event.preventDefault();
    if (form.dataset.offlineQueued) { notice(form, t("queued"), "ok"); return; }
    // Started without a signal (an inspection): its UUID is made here, for what follows it.
    var uuidField = form.dataset.offlineThen ? fieldOf(form, "client_uuid") : null;
    if (uuidField && uuidField.tagName && !uuidField.value) { uuidField.value = uuid4(); stamp(form); }
    var missing = (form.dataset.offlineRequire || "").split(/\s+/).filter(function (name) {
      return name && fieldOf(form, name) && !valueOf(fieldOf(form, name)).trim();
    });
    if (missing.length) {
      notice(form, t("missing") + " " + missing.map(function (n) { return labelOf(form, n); }).join("、"), "error");
      return;
    }
    queue(form, submitter);
  }, true);

  // ---- what is being entered, kept on the phone until it is submitted (data-offline-draft) ----------
  function draftKey(form) { return "draft:" + new URL(form.action, location.href).pathname; }

  function snapshot(form) {
    var snap = { savedAt: Date.now(), radios: {}, checks: {}, texts: {}, files: [] };
    Array.prototype.forEach.call(form.elements, function (f) {
      if (!f.name || f.disabled || f.name === "csrfmiddlewaretoken" || f.name === "_outbox") { return; }
      if (f.type === "radio") {
        if (!(f.name in snap.radios)) { snap.radios[f.name] = ""; }
        if (f.checked) { snap.radios[f.name] = f.value; }
      } else if (f.type === "checkbox") {
        snap.checks[f.name + "=" + f.value] = f.checked;
      } else if (f.type === "file") {
        Array.prototype.forEach.call(f.files || [], function (file) { snap.files.push({ name: f.name, blob: file, filename: file.name }); });
      } else if (f.tagName === "TEXTAREA" || /^(text|search|number|tel|email)$/.test(f.type)) {
        snap.texts[f.name] = f.value;
      }
    });
    return Outbox.meta(draftKey(form), snap);
  }

  function forgetDraft(form) {
    if (form.hasAttribute("data-offline-draft")) { Outbox.meta(draftKey(form), null).catch(function () { return null; }); }
  }

  function restoreDraft(form) {
    return Outbox.meta(draftKey(form)).then(function (snap) {
      if (!snap) { return; }
      if (Date.now() - snap.savedAt > 7 * 24 * 3600 * 1000) { forgetDraft(form); return; }
      var touched = [];
      Object.keys(snap.radios).forEach(function (name) {
        var want = snap.radios[name];
        var now = valueOf(fieldOf(form, name));
        if (!want || want === now) { return; }  // nothing chosen here: what the server holds stays
        var radio = Array.prototype.filter.call(form.querySelectorAll("input[type=radio]"), function (r) { return r.name === name && r.value === want; })[0];
        if (radio) { radio.checked = true; touched.push(radio); }
      });
      Object.keys(snap.checks).forEach(function (key) {
        var cut = key.lastIndexOf("="), name = key.slice(0, cut), value = key.slice(cut + 1);
        var box = Array.prototype.filter.call(form.querySelectorAll("input[type=checkbox]"), function (c) { return c.name === name && c.value === value; })[0];
        if (box && box.checked !== snap.checks[key]) { box.checked = snap.checks[key]; touched.push(box); }
      });
      Object.keys(snap.texts).forEach(function (name) {
        var field = fieldOf(form, name);
        if (field && field.tagName && snap.texts[name] && field.value !== snap.texts[name]) { field.value = snap.texts[name]; touched.push(field); }
      });
      var byInput = {};
      snap.files.forEach(function (f) { (byInput[f.name] = byInput[f.name] || []).push(f); });
      Object.keys(byInput).forEach(function (name) {
        var input = fieldOf(form, name);
        if (!input || !input.tagName || (input.files && input.files.length)) { return; }
        try {
          var dt = new DataTransfer();
          byInput[name].forEach(function (f) { dt.items.add(new File([f.blob], f.filename || "photo.jpg", { type: f.blob.type })); });
          input.files = dt.files;
          touched.push(input);
        } catch (e) { /* the browser cannot set files: they are still in the snapshot */ }
      });
      // Let the page's own script see the restored answers (it saves them, or keeps them for later).
      touched.forEach(function (field) { field.dispatchEvent(new Event("change", { bubbles: true })); });
    }).catch(function () { return null; });
  }

  document.querySelectorAll("form[data-offline-draft]").forEach(function (form) {
    var timer = null;
    function later() { clearTimeout(timer); timer = setTimeout(function () { snapshot(form).catch(function () { return null; }); }, 300); }
    form.addEventListener("change", later);
    form.addEventListener("input", later);
    function start() { restoreDraft(form); }
    if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { setTimeout(start, 0); }
  });

  // ---- the badge and the outbox page ---------------------------------------------------------------
  var badge = document.getElementById("outbox-badge");
  var box = document.getElementById("outbox");
  var queuedId = parseInt(new URLSearchParams(location.search).get("queued") || "0", 10);

  function photosOf(item) { return (item.fields || []).filter(function (p) { return p[1] && typeof p[1] === "object"; }).length; }

  function renderItem(item, me) {
    var li = el("li", "outbox-item card");
    li.dataset.state = item.state;
    li.dataset.id = item.id;
    if (item.id === queuedId) { li.classList.add("just-queued"); }
    var head = el("div", "outbox-head");
    head.appendChild(el("strong", "", item.title || "—"));
    var stateCls = { sent: "green", refused: "red", error: "red", login: "yellow" }[item.state] || "blue";
    head.appendChild(el("span", "badge " + stateCls + " outbox-state", t(item.state)));
    li.appendChild(head);
    // Nobody logged in (the session ended): the owner's items, without their text, until they log in.
    var mine = item.user === me, anonymous = !me;
    var meta = t("madeAt", { time: when(item.createdAt) }) + (item.sentAt ? " · " + t("sentAt", { time: when(item.sentAt) }) : "");
    li.appendChild(el("p", "small muted", meta));
    if (mine) {
      if (item.summary) { li.appendChild(el("p", "outbox-summary", item.summary)); }
      var n = photosOf(item);
      if (n) { li.appendChild(el("p", "small", t("photos", { n: n }))); }
    } else if (!anonymous) {
      li.appendChild(el("p", "small muted", t("otherAccount")));
    }
    if (mine && item.messages && item.messages.length) {
      var ul = el("ul", "errorlist");
      item.messages.forEach(function (m) { ul.appendChild(el("li", "", m)); });
      li.appendChild(ul);
    }
    var actions = el("div", "outbox-actions");
    if (item.state === "sent" && item.resultUrl) {
      var open = el("a", "btn secondary", t("open"));
      open.href = item.resultUrl;
      actions.appendChild(open);
    }
    if (mine && item.state === "refused") {
      if (item.reopen) {
        var fix = el("a", "btn secondary", t("openForm"));
        fix.href = item.reopen;
        actions.appendChild(fix);
      }
      var again = el("button", "btn secondary", t("retry"));
      again.type = "button";
      again.dataset.retry = item.id;
      actions.appendChild(again);
    }
    if (item.state === "login" && mine) {
      var login = el("a", "btn", t("logIn"));  // 44 px: a phone's tap target
      login.href = box ? box.dataset.loginUrl : cfg.loginUrl;
      actions.appendChild(login);
    }
    if (mine && item.state !== "sent" && item.state !== "sending") {
      var del = el("button", "btn secondary danger-text", t("remove"));
      del.type = "button";
      del.dataset.remove = item.id;
      actions.appendChild(del);
    }
    if (actions.childNodes.length) { li.appendChild(actions); }
    return li;
  }

  function renderOutbox(items, me) {
    var list = box.querySelector("[data-outbox-list]");
    var status = box.querySelector("[data-outbox-status]");
    status.textContent = navigator.onLine ? t("online") : t("offline");
    list.innerHTML = "";
    var pending = items.filter(function (i) { return i.state !== "sent"; });
    var sent = items.filter(function (i) { return i.state === "sent"; }).reverse();
    if (!items.length) { list.appendChild(el("li", "muted", t("empty"))); }
    pending.concat(sent).forEach(function (item) { list.appendChild(renderItem(item, me)); });
    var needsLogin = pending.some(function (i) { return i.state === "login" && i.user === me; }) || (!cfg.user && pending.length && !isCopy && !isFallback);
    var hint = box.querySelector(".outbox-login");
    if (needsLogin && !hint) {
      hint = el("p", "offline-notice error outbox-login");
      hint.appendChild(document.createTextNode(t("loginHint") + " "));
      var a = el("a", "btn", t("logIn"));
      a.href = box.dataset.loginUrl;
      hint.appendChild(a);
      box.insertBefore(hint, list);
    } else if (!needsLogin && hint) {
      hint.remove();
    }
    box.querySelector("[data-outbox-flush]").hidden = !pending.some(function (i) { return i.state !== "refused"; });
  }

  var refreshing = null, again = false;
  function refresh() {
    if (refreshing) { again = true; return refreshing; }  // one more pass after this one
    refreshing = Promise.all([Outbox.all(), userReady]).then(function (r) {
      var items = r[0], me = r[1];
      var waiting = items.filter(function (i) { return i.state !== "sent"; });
      if (badge) {
        badge.hidden = waiting.length === 0;
        badge.querySelector("[data-outbox-count]").textContent = String(waiting.length);
        badge.classList.toggle("attention", waiting.some(function (i) { return i.state === "refused" || i.state === "login" || i.state === "error"; }));
      }
      if (box) { renderOutbox(items, me); }
      document.documentElement.dataset.outboxWaiting = String(waiting.length);
    }).catch(function () { return null; }).then(function () {
      refreshing = null;
      if (again) { again = false; return refresh(); }
    });
    return refreshing;
  }
  Outbox.onChange(function () { setTimeout(refresh, 0); });

  if (box) {
    if (queuedId) { banner(t("queued"), "ok"); }
    box.addEventListener("click", function (event) {
      var target = event.target;
      if (target.dataset.retry) {
        Outbox.retry(target.dataset.retry).then(flush);
      } else if (target.dataset.remove) {
        if (window.confirm(t("confirmRemove"))) { Outbox.remove(target.dataset.remove); }
      } else if (target.matches("[data-outbox-flush]")) {
        flush(true);
      }
    });
  }

  // ---- sending: at load, when the signal returns, now and then while something waits ----------
  function flush(force) {
    if (!navigator.onLine && !force) { return Promise.resolve(); }
    return Outbox.flush().then(refresh);
  }
  refresh().then(function () {
    if (navigator.onLine && parseInt(document.documentElement.dataset.outboxWaiting || "0", 10) > 0) { flush(); }
  });
  window.addEventListener("online", function () { refresh(); flush(); });
  window.addEventListener("offline", refresh);
  setInterval(function () {
    if (navigator.onLine && parseInt(document.documentElement.dataset.outboxWaiting || "0", 10) > 0) { flush(); }
  }, 30000);

  // ---- keep the phone pages (and this page's files) for use without a signal ------------------------
  if (sw && navigator.onLine && !isCopy && !isFallback) {
    var assets = [];
    document.querySelectorAll("script[src], link[rel=stylesheet][href], link[rel=icon][href]").forEach(function (node) {
      assets.push(node.getAttribute("src") || node.getAttribute("href"));
    });
    tellWorker({ type: "assets", urls: assets });
    var links = Array.prototype.map.call(document.querySelectorAll("a[data-offline-warm]"), function (a) { return a.getAttribute("href"); });
    var last = 0;
    try { last = parseInt(sessionStorage.getItem("ecogrid:warmed") || "0", 10); } catch (e) { last = 0; }
    if (cfg.user && Date.now() - last > 5 * 60 * 1000) {
      try { sessionStorage.setItem("ecogrid:warmed", String(Date.now())); } catch (e) { /* private mode */ }
      Outbox.fetchSession().then(function (session) {
        tellWorker({ type: "warm", urls: [cfg.outboxUrl].concat(session.warm || [], links) });
      }).catch(function () { return null; });
    } else if (links.length) {
      tellWorker({ type: "warm", urls: links });
    }
  }
})();
