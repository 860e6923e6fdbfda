// EcoGrid service worker — served by core.pwa.service_worker at /sw.js (scope: the whole site).
// version {{ version }}
//
// * Pages marked offline by the server (header X-Offline-Page, core.pwa.offline_page): network
//   first, the last copy when there is no signal (marked data-offline-copy for offline.js).
// * Static files: the cached copy at once, refreshed in the background.
// * A form marked data-offline (offline.js adds its `_outbox` field) posted when the network
//   fails: kept in the outbox (IndexedDB, offline-store.js) and the outbox page shown; sent by
//   Background Sync, or by the next page that loads with a signal.
// Anything else goes to the network untouched.
"use strict";
importScripts("{{ store_url }}");

const CONFIG = {{ config|safe }};
const VERSION = "{{ version }}";
const PAGES = "ecogrid-pages";
const ASSETS = "ecogrid-assets-" + VERSION;
const POST_TIMEOUT_MS = 60000;  // a form post that hangs this long on a dead signal is queued
const PAGE_TIMEOUT_MS = 20000;  // a page that takes longer comes from the phone's copy (refreshed behind)

EcoOutbox.configure({ sessionUrl: CONFIG.sessionUrl });

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const assets = await caches.open(ASSETS);
    await Promise.all(CONFIG.precache.map((url) => assets.add(url).catch(() => null)));
    await warm([CONFIG.outboxUrl]);
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("ecogrid-assets-") && name !== ASSETS) { await caches.delete(name); }
    }
    await self.clients.claim();
  })());
});

function pageKey(url) {
  const u = new URL(url);
  return u.origin + u.pathname;
}

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then((v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); });
  });
}

// Keep a copy of an offline page (tagged with whose page it is and when), and its static files.
async function keepPage(url, response) {
  if (!response || !response.ok || response.redirected || response.headers.get(CONFIG.header) !== "1") { return; }
  const html = await response.text();
  const headers = new Headers(response.headers);
  headers.set("X-Cached-At", String(Date.now()));
  const pages = await caches.open(PAGES);
  await pages.put(pageKey(url), new Response(html, { status: 200, headers }));
  const assets = await caches.open(ASSETS);
  const found = new Set();
  const pattern = /(?:src|href)="([^"]+)"/g;
  let m;
  while ((m = pattern.exec(html)) !== null) {
    const ref = m[1].replace(/&amp;/g, "&");
    if (ref.startsWith(CONFIG.staticUrl)) { found.add(new URL(ref, url).href); }
  }
  for (const ref of found) {
    if (!(await assets.match(ref))) { await assets.add(ref).catch(() => null); }
  }
}

async function warm(urls) {
  for (const url of urls) {
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      await keepPage(new URL(url, self.location.href).href, response);
    } catch (e) { /* no signal: next time */ }
  }
}

// A cached page, marked so offline.js knows it is a copy (a fresh form UUID, a notice).
async function cachedPage(request, fallback) {
  const pages = await caches.open(PAGES);
  let response = await pages.match(pageKey(request.url));
  const user = (await EcoOutbox.meta("user")) || "";
  const outboxKey = pageKey(new URL(CONFIG.outboxUrl, self.location.href).href);
  // Another account's copy is never shown (the outbox page holds no server data: always).
  if (response && pageKey(request.url) !== outboxKey && (response.headers.get("X-Offline-User") || "") !== user) { response = null; }
  let mark = "data-offline-copy=\"" + (response ? response.headers.get("X-Cached-At") || "1" : "") + "\"";
  if (!response && fallback) {
    response = await pages.match(outboxKey);
    mark = "data-offline-fallback=\"1\"";
  }
  if (!response) { return null; }
  const html = (await response.text()).replace(/<html(\s|>)/, "<html " + mark + "$1");
  return new Response(html, { status: 200, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

async function page(event) {
  const request = event.request;
  const network = fetch(request);
  const kept = network.then((response) => {
    if (response.ok && response.headers.get(CONFIG.header) === "1") {
      const url = new URL(request.url);
      // A page with a query (?uuid=…) replaces the copy only when there is none yet.
      const store = url.search ? caches.open(PAGES).then((c) => c.match(pageKey(request.url))).then((hit) => (hit ? null : keepPage(request.url, response.clone())))
        : keepPage(request.url, response.clone());
      event.waitUntil(store.catch(() => null));
    }
    return response;
  });
  try {
    return await withTimeout(kept, PAGE_TIMEOUT_MS);
  } catch (e) {
    const copy = await cachedPage(request, false);
    if (copy) { return copy; }
    try { return await kept; } catch (e2) { /* no network at all */ }
    return (await cachedPage(request, true)) || offlineResponse();
  }
}

// Nothing kept for this address, not even the outbox page: a bare notice.
function offlineResponse() {
  const html = "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width, initial-scale=1'>" +
    "<title>{{ offline_title|escapejs }}</title><p style='font:16px sans-serif;padding:1rem'>{{ offline_text|escapejs }} " +
    "<a href='" + CONFIG.outboxUrl + "'>{{ outbox_label|escapejs }}</a></p>";
  return new Response(html, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

async function asset(event) {
  const cache = await caches.open(ASSETS);
  const hit = await cache.match(event.request);
  const refresh = fetch(event.request).then((response) => {
    if (response.ok) { return cache.put(event.request, response.clone()).then(() => response); }
    return response;
  });
  if (hit) {
    event.waitUntil(refresh.catch(() => null));
    return hit;
  }
  return refresh;
}

// A form posted when the network fails: queued if the page marked it (its `_outbox` field). Only
// the addresses of data-offline forms (listed by offline.js) are cut off after POST_TIMEOUT_MS; any
// other post (an import that takes minutes) waits as long as the network does.
async function postOrQueue(event) {
  const request = event.request;
  const copy = request.clone();
  let queueable = false;
  try { queueable = ((await EcoOutbox.meta("forms")) || []).includes(new URL(request.url).pathname); } catch (e) { queueable = false; }
  try {
    return await (queueable ? withTimeout(fetch(request), POST_TIMEOUT_MS) : fetch(request));
  } catch (error) {
    let form = null;
    try { form = await copy.formData(); } catch (e) { form = null; }
    if (form && form.has("_outbox")) {
      const id = await EcoOutbox.queueFormData(copy.url, form);
      return Response.redirect(new URL(CONFIG.outboxUrl + "?queued=" + id, self.location.href).href, 303);
    }
    return (await cachedPage(request, true)) || offlineResponse();
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method === "POST" && request.mode === "navigate") {
    event.respondWith(postOrQueue(event));
  } else if (request.method === "GET" && request.mode === "navigate") {
    event.respondWith(page(event));
  } else if (request.method === "GET" && url.pathname.startsWith(CONFIG.staticUrl)) {
    event.respondWith(asset(event));
  }
});

self.addEventListener("sync", (event) => {
  if (event.tag === EcoOutbox.SYNC_TAG) { event.waitUntil(EcoOutbox.flush()); }
});

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "warm" && Array.isArray(data.urls)) {
    event.waitUntil(warm(data.urls.filter((u) => typeof u === "string" && u.startsWith("/"))));
  } else if (data.type === "assets" && Array.isArray(data.urls)) {
    event.waitUntil(caches.open(ASSETS).then(async (cache) => {
      for (const u of data.urls) {
        if (typeof u === "string" && new URL(u, self.location.href).pathname.startsWith(CONFIG.staticUrl) && !(await cache.match(u))) {
          await cache.add(u).catch(() => null);
        }
      }
    }));
  } else if (data.type === "forget-pages") {
    event.waitUntil(caches.delete(PAGES));
  } else if (data.type === "flush") {
    event.waitUntil(EcoOutbox.flush());
  }
});
