// The phone's report form (cases app): category search and recent choices, phrase chips of the
// chosen category, location from the browser with a map fallback, the address filled from the
// district's own places (never over what the worker typed), duplicate hints, 发现即办 (the after
// photo ticks it), and a submission UUID kept across reloads so a retried report returns the same case.
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
  var catCard = document.getElementById("category-card");
  var search = document.getElementById("cat-search");
  var options = Array.prototype.slice.call(form.querySelectorAll(".cat-option"));
  var groups = Array.prototype.slice.call(form.querySelectorAll(".cat-group"));
  var none = form.querySelector(".cat-none");
  var chosenLine = form.querySelector(".chosen-line");
  var chosen = form.querySelector(".chosen");
  var changeBtn = document.getElementById("cat-change");
  var phraseBox = form.querySelector(".phrases");
  var phraseCaption = form.querySelector(".phrase-caption");
  var description = form.querySelector("[name=description]");
  var onSpotCard = document.getElementById("on-spot-card");
  var onSpot = document.getElementById("id_fixed_on_spot");
  var onSpotStatus = onSpotCard.querySelector(".on-spot-status");
  var submit = document.getElementById("submit-report");
  var submitLabel = submit.textContent;

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

  // Once chosen, the list folds away (the phrases come next on the screen); 更改 opens it again.
  function fold(picked) {
    catCard.classList.toggle("picked", picked);
    chosenLine.hidden = !picked;
  }
  changeBtn.addEventListener("click", function () {
    fold(false);
    search.focus();
  });

  // --- phrases: only the chosen category's own -------------------------------------------------
  // What the chips put into the description, so that a change of category can take it back out
  // (as long as the worker has not typed into it): a description never keeps another category's phrases.
  var fromChips = "";

  function joinPhrase(text, phrase) {
    var sep = text && !/[\s，。,.;；]$/.test(text) ? "，" : "";
    return text + sep + phrase;
  }

  function togglePhrase(phrase, chip) {
    var v = description.value;
    var at = v.indexOf(phrase);
    if (chip.classList.contains("on") && at !== -1) {
      // A second tap takes the phrase out again (with the comma that joined it).
      var before = v.slice(0, at).replace(/[，,]$/, "");
      var after = v.slice(at + phrase.length).replace(/^[，,]/, "");
      v = before && after ? before + "，" + after : before + after;
      chip.classList.remove("on");
      chip.setAttribute("aria-pressed", "false");
    } else {
      if (at === -1) { v = joinPhrase(v, phrase); }
      chip.classList.add("on");
      chip.setAttribute("aria-pressed", "true");
    }
    description.value = v;
    fromChips = v;
  }

  function showPhrases(info) {
    phraseBox.innerHTML = "";
    var phrases = info ? info.phrases : [];
    phraseCaption.hidden = !phrases.length;
    if (phrases.length) { phraseCaption.textContent = phraseCaption.dataset.msg.replace("{name}", info.name); }
    phrases.forEach(function (p) {
      var chip = document.createElement("button");
      chip.type = "button";
      chip.className = "chip";
      chip.textContent = p;
      var on = description.value.indexOf(p) !== -1;
      chip.classList.toggle("on", on);
      chip.setAttribute("aria-pressed", on ? "true" : "false");
      chip.addEventListener("click", function () { togglePhrase(p, chip); });
      phraseBox.appendChild(chip);
    });
  }

  function onCategory(byUser) {
    var radio = selected();
    var info = radio ? meta[radio.value] : null;
    chosen.textContent = info ? "✓ " + info.name : "";
    if (byUser && fromChips && description.value === fromChips) { description.value = ""; }
    fromChips = "";
    showPhrases(info);
    fold(!!info);
    var od = !!(info && info.od);
    onSpotCard.hidden = !od;
    if (!od) { onSpot.checked = false; }
    onSpotChanged(false);
    checkDuplicates();
  }

  form.addEventListener("change", function (e) { if (e.target.name === "category") { onCategory(true); } });
  form.querySelectorAll("[data-pick]").forEach(function (chip) {
    chip.addEventListener("click", function () {
      var radio = form.querySelector("[name=category][value='" + chip.dataset.pick + "']");
      if (!radio) { return; }
      radio.checked = true;
      onCategory(true);
    });
  });

  // --- 发现即办: the after photo is the proof, so taking it ticks the box -------------------------
  function onSpotChanged(announce) {
    submit.textContent = onSpot.checked && !onSpotCard.hidden ? submit.dataset.labelClose : submitLabel;
    onSpotStatus.textContent = announce && onSpot.checked ? onSpotCard.dataset.msgTicked : "";
  }
  onSpot.addEventListener("change", function () { onSpotChanged(false); });
  var afterList = onSpotCard.querySelector(".uploader[data-slot=after] .uploads");
  if (afterList && window.MutationObserver) {
    new MutationObserver(function () {
      if (afterList.querySelector("li.upload:not(.busy)") && !onSpot.checked && !onSpotCard.hidden) {
        onSpot.checked = true;
        onSpotChanged(true);
      }
    }).observe(afterList, { childList: true });
  }
  form.addEventListener("change", function (e) {
    // Without a signal the after photo stays in its input (sent with the form): it ticks the box too.
    if (e.target.name === "after_photos" && e.target.files && e.target.files.length && !onSpot.checked) {
      onSpot.checked = true;
      onSpotChanged(true);
    }
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
    lookUpAddress();
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
    }).catch(function () { /* no signal: the map stays without its boundary */ });
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

  // --- the address, from the district's own places and grids (cases/addresses.py) ----------------
  // Filled only while the worker has not typed one: an address typed (or kept from a retry) by
  // hand is never overwritten. A later point (a map pick) may replace an address filled here.
  var address = document.getElementById("id_address");
  var hint = document.getElementById("address-hint");
  var placeName = document.getElementById("id_place_name");
  var placeBox = form.querySelector(".place-suggest");
  var placeChip = document.getElementById("place-chip");
  var filled = null;  // the text this script put in the address field
  var asked = 0;
  var timer = null;

  address.addEventListener("input", function () { filled = null; hint.textContent = ""; });
  placeChip.addEventListener("click", function () {
    placeName.value = placeChip.textContent;
    placeBox.hidden = true;
  });

  function mayFill() { return !address.value.trim() || (filled !== null && address.value === filled); }

  function lookUpAddress() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      if (!lat.value || !lng.value || !card.dataset.addressUrl) { return; }
      var mine = ++asked;
      var url = card.dataset.addressUrl + "?latitude=" + encodeURIComponent(lat.value) + "&longitude=" + encodeURIComponent(lng.value);
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (guess) {
          if (!guess || mine !== asked) { return; }  // a newer point was asked for meanwhile
          if (guess.address && mayFill()) {
            address.value = guess.address;
            filled = guess.address;
            hint.textContent = guess.source === "place"
              ? card.dataset.msgAddressPlace.replace("{m}", guess.distance_m)
              : card.dataset.msgAddressGrid;
          }
          var offer = guess.place && !placeName.value.trim();
          placeBox.hidden = !offer;
          if (offer) { placeChip.textContent = guess.place; }
        })
        .catch(function () { /* no signal: the address stays as it is, to be typed if wanted */ });
    }, 250);
  }

  // --- duplicate hints (htmx fragment) -----------------------------------------------------------
  function checkDuplicates() {
    if (window.htmx && selected() && lat.value && lng.value) { htmx.trigger("#duplicates", "dupcheck"); }
  }

  // --- start --------------------------------------------------------------------------------------
  onCategory(false);
  if (lat.value && lng.value) {
    setPoint(parseFloat(lat.value), parseFloat(lng.value), card.dataset.msgKept);
  } else { locate(); }
})();
