// The outbox: forms made without a signal, kept on the phone (IndexedDB) with their photos (Blobs)
// and sent, in order and each once, when the network is back. Shared by the pages
// (static/js/offline.js) and the service worker (/sw.js, core/pwa.py): both queue and both flush.
//
// An item: {id (order), url, fields: [[name, string | {blob, name}]], user, title, summary, uuid,
//           reopen, state, messages, attempts, createdAt, sentAt, resultUrl}
// States: waiting → sending → sent; or login (no session, or another account's), refused (the
// server said no: kept with its message until the worker deletes or retries it), error (the
// server failed: retried later). Exactly once: the server is idempotent by the form's client
// UUID (a report, an inspection) and stores a photo once per form and content; a replay whose
// answer was lost is recognised there and answers like the first.
(function (root) {
  "use strict";

  var DB_NAME = "ecogrid-offline", DB_VERSION = 1, OUTBOX = "outbox", META = "meta";
  var CHANNEL = "ecogrid-outbox", LOCK = "ecogrid-outbox-flush", SYNC_TAG = "ecogrid-outbox";
  var KEEP_SENT = 20, KEEP_SENT_MS = 7 * 24 * 3600 * 1000;
  var config = { sessionUrl: "/pwa/session/" };
  var dbPromise = null, running = null;

  function configure(options) { Object.keys(options || {}).forEach(function (k) { config[k] = options[k]; }); }

  // ---- IndexedDB ------------------------------------------------------------------------------
  function open() {
    if (dbPromise) { return dbPromise; }
    dbPromise = new Promise(function (resolve, reject) {
      var request = root.indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains(OUTBOX)) { db.createObjectStore(OUTBOX, { keyPath: "id", autoIncrement: true }); }
        if (!db.objectStoreNames.contains(META)) { db.createObjectStore(META, { keyPath: "key" }); }
      };
      request.onsuccess = function () {
        var db = request.result;
        db.onversionchange = function () { db.close(); dbPromise = null; };
        resolve(db);
      };
      request.onerror = function () { dbPromise = null; reject(request.error); };
    });
    return dbPromise;
  }

  function run(store, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(store, mode), result;
        var request = work(tx.objectStore(store));
        if (request) { request.onsuccess = function () { result = request.result; }; }
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  function all() {
    return run(OUTBOX, "readonly", function (s) { return s.getAll(); }).then(function (items) {
      return (items || []).sort(function (a, b) { return a.id - b.id; });
    });
  }
  function get(id) { return run(OUTBOX, "readonly", function (s) { return s.get(Number(id)); }); }
  function put(item) { return run(OUTBOX, "readwrite", function (s) { return s.put(item); }); }
  function remove(id) { return run(OUTBOX, "readwrite", function (s) { return s.delete(Number(id)); }).then(changed); }
  function update(id, changes) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(OUTBOX, "readwrite"), store = tx.objectStore(OUTBOX), item;
        store.get(Number(id)).onsuccess = function (event) {
          item = event.target.result;
          if (!item) { return; }
          Object.keys(changes).forEach(function (k) { item[k] = changes[k]; });
          store.put(item);
        };
        tx.oncomplete = function () { resolve(item); };
        tx.onerror = tx.onabort = function () { reject(tx.error); };
      });
    });
  }
  function meta(key, value) {
    if (value === undefined) {
      return run(META, "readonly", function (s) { return s.get(key); }).then(function (row) { return row ? row.value : undefined; });
    }
    return run(META, "readwrite", function (s) { return s.put({ key: key, value: value }); });
  }

  // ---- telling every page (and the worker) that the outbox changed -----------------------------
  var channel = null;
  try { channel = new root.BroadcastChannel(CHANNEL); } catch (e) { channel = null; }
  var listeners = [];
  if (channel) { channel.onmessage = function () { listeners.forEach(function (fn) { fn(); }); }; }
  function changed() {
    if (channel) { channel.postMessage("changed"); }
    listeners.forEach(function (fn) { fn(); });
  }
  function onChange(fn) { listeners.push(fn); }

  // ---- queueing ---------------------------------------------------------------------------------
  function isPending(item) { return item.state !== "sent"; }

  // The fields of a posted form, photos included (empty file inputs are left out). `_outbox`
  // (added by offline.js at submit) carries what the list shows and whose work it is.
  function queueFormData(url, formData, extra) {
    var fields = [], info = {};
    formData.forEach(function (value, name) {
      if (name === "_outbox") {
        try { info = JSON.parse(value) || {}; } catch (e) { info = {}; }
        return;
      }
      if (typeof value === "string") { fields.push([name, value]); return; }
      if (!value || (!value.size && !value.name)) { return; }  // an empty file input
      fields.push([name, { blob: value, name: value.name || "photo.jpg" }]);
    });
    Object.keys(extra || {}).forEach(function (k) { info[k] = extra[k]; });
    var item = {
      url: url, fields: fields, user: String(info.user || ""), title: info.title || "", summary: info.summary || "",
      uuid: info.uuid || "", reopen: info.reopen || "", state: "waiting", messages: [], attempts: 0,
      createdAt: Date.now(), sentAt: null, resultUrl: "",
    };
    return run(OUTBOX, "readwrite", function (s) { return s.add(item); }).then(function (id) {
      changed();
      requestSync();
      return id;
    });
  }

  function requestSync() {
    // Background Sync, where the browser has it: the worker flushes even with no page open.
    var reg = root.registration || null;
    var ready = reg ? Promise.resolve(reg)
      : (root.navigator && root.navigator.serviceWorker && root.navigator.serviceWorker.controller ? root.navigator.serviceWorker.ready : Promise.resolve(null));
    return ready.then(function (r) { if (r && r.sync) { return r.sync.register(SYNC_TAG); } }).catch(function () { /* not supported */ });
  }

  function counts() {
    return all().then(function (items) {
      var c = { waiting: 0, attention: 0, sent: 0 };
      items.forEach(function (item) {
        if (item.state === "sent") { c.sent++; return; }
        c.waiting++;
        if (item.state === "refused" || item.state === "login" || item.state === "error") { c.attention++; }
      });
      return c;
    });
  }

  // ---- sending ----------------------------------------------------------------------------------
  function decode(text) {
    return text.replace(/<[^>]+>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, "\"")
      .replace(/&#x27;|&#39;/g, "'").replace(/&nbsp;/g, " ").replace(/&amp;/g, "&").replace(/\s+/g, " ").trim();
  }

  // The errors a refused form shows next to its fields (or the page's error messages).
  function errorsFrom(html) {
    var fields = [], page = [];
    if (root.DOMParser) {
      var doc = new root.DOMParser().parseFromString(html, "text/html");
      doc.querySelectorAll(".errorlist li").forEach(function (li) { fields.push(li.textContent.replace(/\s+/g, " ").trim()); });
      doc.querySelectorAll(".messages li.error").forEach(function (li) { page.push(li.textContent.replace(/\s+/g, " ").trim()); });
    } else {  // the service worker has no DOM
      var lists = html.match(/<ul class="[^"]*errorlist[^"]*"[^>]*>[\s\S]*?<\/ul>/g) || [];
      lists.forEach(function (ul) { (ul.match(/<li[^>]*>[\s\S]*?<\/li>/g) || []).forEach(function (li) { fields.push(decode(li)); }); });
      (html.match(/<li class="error"[^>]*>[\s\S]*?<\/li>/g) || []).forEach(function (li) { page.push(decode(li)); });
    }
    var seen = {};
    return (fields.length ? fields : page).filter(function (m) {
      if (!m || seen[m]) { return false; }
      seen[m] = true;
      return true;
    }).slice(0, 6);
  }

  function fetchSession() {
    return fetch(config.sessionUrl, { credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error("session " + r.status); } return r.json(); });
  }

  function send(item, session) {
    var body = new FormData();
    item.fields.forEach(function (pair) {
      var name = pair[0], value = pair[1];
      if (name === "csrfmiddlewaretoken") { return; }
      if (value && typeof value === "object") { body.append(name, value.blob, value.name); } else { body.append(name, value); }
    });
    body.append("csrfmiddlewaretoken", session.csrf);
    return fetch(item.url, {
      method: "POST", body: body, credentials: "same-origin", redirect: "follow",
      headers: { "X-CSRFToken": session.csrf, "X-Outbox-Replay": String(item.id) },
    }).then(function (response) {
      var path = new URL(response.url, root.location.href).pathname;
      if (session.login && path.indexOf(session.login) === 0) { return { kind: "login" }; }
      if (response.status >= 500) { return { kind: "error", messages: ["HTTP " + response.status] }; }
      if (response.ok && response.redirected) { return { kind: "sent", url: response.url }; }
      return response.text().then(function (html) {
        return { kind: response.status === 403 ? "forbidden" : "refused", status: response.status, messages: errorsFrom(html) };
      });
    }, function (error) {
      return { kind: "network", messages: [String(error && error.message || error)] };
    });
  }

  function prune(items) {
    var sent = items.filter(function (i) { return i.state === "sent"; }).sort(function (a, b) { return b.id - a.id; });
    var now = Date.now();
    var old = sent.filter(function (item, index) { return index >= KEEP_SENT || now - (item.sentAt || 0) > KEEP_SENT_MS; });
    return Promise.all(old.map(function (item) { return run(OUTBOX, "readwrite", function (s) { return s.delete(item.id); }); }));
  }

  // Send what waits, oldest first; stop at the first item the network could not carry (order is
  // kept). An item of someone not logged in here waits for them; a refused one waits for the worker.
  async function flushNow() {
    var items = (await all()).filter(function (i) { return isPending(i) && i.state !== "refused"; });
    var report = { sent: 0, refused: 0, login: 0, offline: false };
    if (!items.length) { await prune(await all()); return report; }
    var session;
    try { session = await fetchSession(); } catch (e) { report.offline = true; return report; }
    for (var i = 0; i < items.length; i++) {
      var item = items[i];
      if (!session.authenticated || session.user !== item.user) {
        if (item.state !== "login") { await update(item.id, { state: "login", messages: [] }); changed(); }
        report.login++;
        continue;
      }
      await update(item.id, { state: "sending", attempts: (item.attempts || 0) + 1, lastTry: Date.now() });
      changed();
      var outcome = await send(item, session);
      if (outcome.kind === "forbidden") {
        // A rotated or expired CSRF token (or a new session): fetch a fresh one and try once more.
        try { session = await fetchSession(); } catch (e) { outcome = { kind: "network", messages: [] }; }
        if (outcome.kind === "forbidden") {
          outcome = !session.authenticated || session.user !== item.user ? { kind: "login" } : await send(item, session);
          if (outcome.kind === "forbidden") { outcome.kind = "refused"; }
        }
      }
      if (outcome.kind === "sent") {
        await update(item.id, { state: "sent", sentAt: Date.now(), resultUrl: outcome.url, fields: [], messages: [] });
        report.sent++;
      } else if (outcome.kind === "refused") {
        await update(item.id, { state: "refused", messages: outcome.messages.length ? outcome.messages : ["HTTP " + outcome.status] });
        report.refused++;
      } else if (outcome.kind === "login") {
        session.authenticated = false;
        await update(item.id, { state: "login", messages: [] });
        report.login++;
      } else {  // network or a server error: keep the order, try again later
        await update(item.id, { state: outcome.kind === "error" ? "error" : "waiting", messages: outcome.messages || [] });
        report.offline = outcome.kind === "network";
        changed();
        break;
      }
      changed();
    }
    await prune(await all());
    return report;
  }

  // One flush at a time across every tab and the worker (Web Locks); callers share a running one.
  function flush() {
    if (running) { return running; }
    var locks = root.navigator && root.navigator.locks;
    var job = locks ? locks.request(LOCK, flushNow) : flushNow();
    running = Promise.resolve(job).catch(function (error) { return { error: String(error) }; }).then(function (report) {
      running = null;
      return report;
    });
    return running;
  }

  function retry(id) { return update(id, { state: "waiting", messages: [] }).then(changed); }

  root.EcoOutbox = {
    configure: configure, open: open, all: all, get: get, put: put, remove: remove, update: update, meta: meta,
    queueFormData: queueFormData, counts: counts, flush: flush, retry: retry, onChange: onChange,
    requestSync: requestSync, errorsFrom: errorsFrom, fetchSession: fetchSession, SYNC_TAG: SYNC_TAG,
  };
})(typeof self !== "undefined" ? self : window);
