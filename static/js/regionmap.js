// Draws a region and its children from GeoJSON. No tile layer: the intranet has no
// tile server, so boundaries are drawn on a plain background.
(function () {
  var el = document.getElementById("map");
  if (!el || !window.L) { return; }
  var map = L.map(el, { attributionControl: false });
  fetch(el.dataset.geojson, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
    if (!data.features.length) { el.textContent = el.dataset.empty || ""; return; }
    var layer = L.geoJSON(data, {
      style: function (f) { return f.properties.self ? { color: "#1b7f4b", weight: 3, fillOpacity: 0.05 } : { color: "#1f5fa8", weight: 1, fillOpacity: 0.15 }; },
      onEachFeature: function (f, l) { l.bindTooltip(f.properties.name); }
    }).addTo(map);
    map.fitBounds(layer.getBounds());
    window.ecogridMap = map;
    document.dispatchEvent(new CustomEvent("ecogrid:map-ready", { detail: map }));
  });
})();
