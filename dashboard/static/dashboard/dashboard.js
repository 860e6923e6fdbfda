// 数读: the trend chart (vendored Chart.js) and the grid choropleth with case points (EcoMap).
(function () {
  "use strict";
  var dataEl = document.getElementById("dash-chart");
  var canvas = document.getElementById("dash-trend");
  if (dataEl && canvas && window.Chart) {
    var chart = JSON.parse(dataEl.textContent);
    var series = chart.months.length > 2 ? chart.months : chart.weeks;
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: series.map(function (r) { return r.label; }),
        datasets: [
          { label: chart.labels.found, data: series.map(function (r) { return r.found; }), backgroundColor: "#1f5fa8" },
          { label: chart.labels.closed, data: series.map(function (r) { return r.closed; }), backgroundColor: "#1b7f4b" }
        ]
      },
      options: { responsive: true, maintainAspectRatio: false, animation: false, scales: { y: { beginAtZero: true } } }
    });
  }

  var el = document.getElementById("dash-map");
  if (!el || !window.L || !window.EcoMap) { return; }
  var map = window.EcoMap.create(el, { preferCanvas: true });
  map.setView([23.0, 113.1], 11);
  fetch(el.dataset.src, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
    if (!data || !data.grids.features.length) { el.textContent = el.dataset.empty || ""; return; }
    var c = window.EcoMap.choropleth(map, data.grids, { rate: data.rate });
    map.fitBounds(c.layer.getBounds());
    var legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      var div = L.DomUtil.create("div", "dash-legend");
      var fmt = function (v) { return data.rate ? (v * 100).toFixed(0) + "%" : String(v); };
      div.textContent = fmt(c.min) + " – " + fmt(c.max);
      div.style.borderLeft = "1.2rem solid " + c.ramp(1);
      return div;
    };
    legend.addTo(map);
    var points = L.layerGroup();
    data.points.forEach(function (p) {
      var m = L.circleMarker([p.lat, p.lng], { radius: 3, color: "#222", weight: 1, fillColor: "#ffd400", fillOpacity: 0.9 });
      m.bindTooltip(p.n);
      m.on("click", function () { window.location.href = p.url; });
      points.addLayer(m);
    });
    points.addTo(map);
  });
})();
