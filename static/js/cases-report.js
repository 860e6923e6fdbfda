// The phone's report form (cases app): category search and recent choices, phrase chips,
// location from the browser with a map fallback, duplicate hints, 发现即办 fields, and a
// submission UUID kept across reloads so a retried report returns the same case.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) { return; }
  var metaEl = document.getElementById("category-meta");
  var meta = metaEl ? JSON.parse(metaEl.textContent) : {};
  var uuidInput = form.querySelector("[name=client_uuid]");
  var key = form.dataset.uuidKey;
  var params = new URLSearchParams(window.location.search);

  // --- the submission UUID survives reloads until a case is created with it -------------------
  try {
    if (params.has("new")) { sessionStorage.removeItem(key); }
    var stored = sessionStorage.getItem(key);
    var isRetry = form.querySelector(".errorlist li, .messages .error") !== null;
    if (stored && stored !== uuidInput.value && !isRetry && !params.has("uuid") && !params.has("new")) {
      window.location.replace(window.location.pathname + "?uuid=" + encodeURIComponent(stored));
      return;
    }
    sessionStorage.setItem(key, uuidInput.value);
  } catch (e) { /* private mode: the hidden field alone still makes retries idempotent */ }

  // --- category picker --------------------------------------------------------------------------
  var search = document.getElementById("cat-search");
  var options = Array.prototype.slice.call(form.querySelectorAll(".cat-option"));
  var groups = Array.prototype.slice.call(form.querySelectorAll(".cat-group"));
  var none = form.querySelector(".cat-none");
  var chosen = form.querySelector(".chosen");
  var phraseBox = form.querySelector(".phrases");
  var description = form.querySelector("[name=description]");
  var onSpotCard = document.getElementById("on-spot-card");
  var onSpot = document.getElementById("id_fixed_on_spot");
  var onSpotFields = form.querySelector(".on-spot-fields");

  // The search text of each option: code, names, and its phrase templates.
  options.forEach(function (opt) {
    var info = meta[opt.querySelector("input").value];
    opt.dataset.search = (opt.dataset.search + " " + (info ? info.phrases.join(" ") : "")).toLowerCase();
  });
  search.hidden = false;
  search.addEventListener("input", function () {
    var q = search.value.trim().toLowerCase();
    var shown = 0;
    options.forEach(function (opt) {
      var hit = !q || opt.dataset.search.indexOf(q) !== -1;
      opt.hidden = !hit;
      if (hit) { shown++; }
    });
    groups.forEach(function (g) { g.hidden = !g.querySelector(".cat-option:not([hidden])"); });
    none.hidden = shown > 0;
  });
  search.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); } });

  function selected() { return form.querySelector("[name=category]:checked"); }

  function insertPhrase(text) {
    var v = description.value;
    var sep = v && !/[\s，。,.;；]$/.test(v) ? "，" : "";
    description.value = v + sep + text;
    description.focus();
    description.setSelectionRange(description.value.length, description.value.length);
  }

  function onCategory() {
    var radio = selected();
    var info = radio ? meta[radio.value] : null;
    chosen.textContent = info ? "✓ " + info.name : "";
    phraseBox.innerHTML = "";
    (info ? info.phrases : []).forEach(function (p) {
      var chip = document.createElement("button");
      chip.type = "button";
      chip.className = "chip";
      chip.textContent = p;
      chip.addEventListener("click", function () { insertPhrase(p); chip.classList.add("on"); });
      phraseBox.appendChild(chip);
    });
    var od = !!(info && info.od);
    onSpotCard.hidden = !od;
    if (!od) { onSpot.checked = false; }
    toggleOnSpot();
    checkDuplicates();
  }

  function toggleOnSpot() { onSpotFields.hidden = !onSpot.checked; }

  form.addEventListener("change", function (e) { if (e.target.name === "category") { onCategory(); } });
  onSpot.addEventListener("change", toggleOnSpot);
  form.querySelectorAll("[data-pick]").forEach(function (chip) {
    chip.addEventListener("click", function () {
      var radio = form.querySelector("[name=category][value='" + chip.dataset.pick + "']");
      if (!radio) { return; }
      radio.checked = true;
      radio.closest(".cat-option").scrollIntoView({ block: "nearest" });
      onCategory();
    });
  });

  // --- location ---------------------------------------------------------------------------------
  var lat = document.getElementById("id_latitude");
  var lng = document.getElementById("id_longitude");
  var card = document.getElementById("location-card");
  var status = document.getElementById("locate-status");
  var locateBtn = document.getElementById("locate-btn");
  var mapEl = document.getElementById("report-map");
  var map = null;
  var marker = null;

  function say(text) { status.textContent = text; }

  function setPoint(la, ln, how) {
    lat.value = la.toFixed(6);
    lng.value = ln.toFixed(6);
    if (map) {
      if (!marker) { marker = L.circleMarker([la, ln], { radius: 8, color: "#c0392b", weight: 3, fillOpacity: 0.6 }).addTo(map); }
      else { marker.setLatLng([la, ln]); }
    }
    if (how) { say(how); }
    checkDuplicates();
  }

  function locate() {
    if (!navigator.geolocation) { say(card.dataset.msgFailed); return; }
    say(card.dataset.msgLocating);
    navigator.geolocation.getCurrentPosition(function (pos) {
      setPoint(pos.coords.latitude, pos.coords.longitude,
        card.dataset.msgLocated.replace("{m}", Math.round(pos.coords.accuracy || 0)));
      if (map) { map.setView([pos.coords.latitude, pos.coords.longitude], Math.max(map.getZoom(), 16)); }
    }, function () { say(card.dataset.msgFailed); }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  if (mapEl && window.L) {
    map = window.EcoMap ? window.EcoMap.create(mapEl) : L.map(mapEl, { attributionControl: false });  // the shared base layers (static/js/ecomap.js)
    map.setView([23.0, 113.1], 13);
    fetch(mapEl.dataset.geojson, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      if (!data || !data.features.length) { return; }
      var layer = L.geoJSON(data, { style: function (f) { return { color: f.properties.self ? "#1b7f4b" : "#1f5fa8", weight: f.properties.self ? 3 : 1, fillOpacity: 0.06 }; } }).addTo(map);
      if (lat.value && lng.value) { map.setView([parseFloat(lat.value), parseFloat(lng.value)], 16); }
      else { map.fitBounds(layer.getBounds()); }
    });
    map.on("click", function (e) { setPoint(e.latlng.lat, e.latlng.lng, card.dataset.msgPicked); });
  }
  [lat, lng].forEach(function (input) {
    input.addEventListener("change", function () {
      var la = parseFloat(lat.value), ln = parseFloat(lng.value);
      if (!isNaN(la) && !isNaN(ln)) { setPoint(la, ln, ""); }
    });
  });
  locateBtn.hidden = false;
  locateBtn.addEventListener("click", locate);

  // --- duplicate hints (htmx fragment) -----------------------------------------------------------
  function checkDuplicates() {
    if (window.htmx && selected() && lat.value && lng.value) { htmx.trigger("#duplicates", "dupcheck"); }
  }

  // --- start --------------------------------------------------------------------------------------
  onCategory();
  if (lat.value && lng.value) { setPoint(parseFloat(lat.value), parseFloat(lng.value), card.dataset.msgKept); }
  else { locate(); }
})();
