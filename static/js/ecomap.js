// The one map component (dashboard app): every map of the project is made by
// EcoMap.create(element), so all of them share the same base layers, configured once
// (settings ECOGRID_MAP_TILE_*; offline GeoJSON overlays uploaded by the district):
//   - a tile layer when a tile URL template is set (intranet tile server, 天地图 with key);
//   - the district's overlays (roads, buildings, rivers) drawn under the grid boundaries;
//   - by default nothing: boundaries on a plain background, no network.
// The configuration comes from {% ecomap_config %} (a JSON block, id "ecomap-config").
(function () {
  "use strict";
  var STYLES = {
    roads: { color: "#9a9a9a", weight: 2, opacity: 0.9, fill: false },
    buildings: { color: "#b9a98f", weight: 1, fillColor: "#e8dfd0", fillOpacity: 0.7 },
    water: { color: "#6fa8dc", weight: 1, fillColor: "#cfe2f3", fillOpacity: 0.8 },
    other: { color: "#b0b0b0", weight: 1, fillOpacity: 0.2 }
  };
  var overlayCache = {};

  function config() {
    var el = document.getElementById("ecomap-config");
    if (!el) { return { tiles: null, overlays: [] }; }
    try { return JSON.parse(el.textContent); } catch (e) { return { tiles: null, overlays: [] }; }
  }

  function loadOverlay(url) {
    if (!overlayCache[url]) {
      overlayCache[url] = fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; });
    }
    return overlayCache[url];
  }

  function create(el, options) {
    var cfg = config();
    var map = L.map(el, Object.assign({ attributionControl: !!(cfg.tiles && cfg.tiles.attribution) }, options || {}));
    if (cfg.tiles && cfg.tiles.url) {
      L.tileLayer(cfg.tiles.url, {
        attribution: cfg.tiles.attribution || "", maxZoom: cfg.tiles.maxZoom || 18, subdomains: cfg.tiles.subdomains || "abc"
      }).addTo(map);
    }
    if (cfg.overlays && cfg.overlays.length) {
      // Under the grid boundaries (overlayPane, z-index 400), above the tiles (200).
      map.createPane("ecomap-base");
      map.getPane("ecomap-base").style.zIndex = 300;
      map.getPane("ecomap-base").style.pointerEvents = "none";
      cfg.overlays.forEach(function (o) {
        loadOverlay(o.url).then(function (data) {
          if (!data) { return; }
          L.geoJSON(data, { pane: "ecomap-base", interactive: false, style: STYLES[o.kind] || STYLES.other,
            pointToLayer: function (f, latlng) { return L.circleMarker(latlng, { radius: 2, pane: "ecomap-base" }); } }).addTo(map);
        });
      });
    }
    return map;
  }

  // A colour from light to dark for t in [0, 1].
  function ramp(t) {
    var stops = [[255, 247, 236], [253, 212, 158], [252, 141, 89], [215, 48, 31], [127, 0, 0]];
    t = Math.max(0, Math.min(1, t));
    var x = t * (stops.length - 1), i = Math.min(Math.floor(x), stops.length - 2), f = x - i;
    var c = stops[i].map(function (v, k) { return Math.round(v + (stops[i + 1][k] - v) * f); });
    return "rgb(" + c.join(",") + ")";
  }

  // Grid polygons coloured by properties.value; a click opens properties.url.
  function choropleth(map, collection, opts) {
    opts = opts || {};
    var values = collection.features.map(function (f) { return f.properties.value; }).filter(function (v) { return v !== null && v !== undefined; });
    var max = values.length ? Math.max.apply(null, values) : 0;
    var min = values.length ? Math.min.apply(null, values) : 0;
    var layer = L.geoJSON(collection, {
      style: function (f) {
        var v = f.properties.value;
        var has = v !== null && v !== undefined && (opts.rate || v > 0);
        var t = max > min ? (v - min) / (max - min) : (v ? 1 : 0);
        if (opts.invert) { t = 1 - t; }
        return { color: "#555", weight: 0.6, fillColor: has ? ramp(t) : "#ffffff", fillOpacity: has ? 0.75 : 0.15 };
      },
      onEachFeature: function (f, l) {
        var v = f.properties.value;
        var text = v === null || v === undefined ? "—" : (opts.rate ? (v * 100).toFixed(1) + "%" : String(v));
        l.bindTooltip(f.properties.name + ": " + text, { sticky: true });
        if (f.properties.url) { l.on("click", function () { window.location.href = f.properties.url; }); }
      }
    }).addTo(map);
    return { layer: layer, min: min, max: max, ramp: ramp };
  }

  window.EcoMap = { create: create, choropleth: choropleth, ramp: ramp, config: config };

  // A case's place on a page that only shows it (e.g. the department's case page):
  // <div class="map" data-ecomap-case data-lat data-lng data-geojson>.
  function caseMaps() {
    if (!window.L) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("[data-ecomap-case]"), function (el) {
      var point = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lng)];
      var map = create(el).setView(point, 17);
      L.circleMarker(point, { radius: 9, color: "#c0392b", weight: 3, fillOpacity: 0.6 }).addTo(map);
      if (el.dataset.geojson) {
        fetch(el.dataset.geojson, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
          if (data) { L.geoJSON(data, { style: { color: "#1b7f4b", weight: 2, fillOpacity: 0.04 } }).addTo(map); }
        }).catch(function () {});
      }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", caseMaps); } else { caseMaps(); }
})();
