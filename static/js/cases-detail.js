// The case page (cases app): the point on a map, live deadline countdowns, and
// forgetting the report form's submission UUID once its case exists.
(function () {
  "use strict";
  var page = document.getElementById("case-page");
  try {
    var key = "ecogrid:report-uuid";
    if (page && sessionStorage.getItem(key) === page.dataset.clientUuid) { sessionStorage.removeItem(key); }
  } catch (e) { /* no storage */ }

  var el = document.getElementById("case-map");
  if (el && window.L) {
    var point = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lng)];
    var map = (window.EcoMap ? window.EcoMap.create(el) : L.map(el, { attributionControl: false })).setView(point, 17);  // shared base layers
    L.circleMarker(point, { radius: 9, color: "#c0392b", weight: 3, fillOpacity: 0.6 }).addTo(map);
    fetch(el.dataset.geojson, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      if (data) { L.geoJSON(data, { style: { color: "#1b7f4b", weight: 2, fillOpacity: 0.04 } }).addTo(map); }
    }).catch(function () {});
  }

  var deadlines = document.querySelectorAll("[data-deadline]");
  function tick() {
    var now = Date.now();
    deadlines.forEach(function (p) {
      var at = Date.parse(p.dataset.deadline);
      if (isNaN(at)) { return; }
      var left = Math.round((at - now) / 60000);
      var mins = Math.abs(left);
      var text = (left < 0 ? p.dataset.tplOverdue : p.dataset.tplLeft || "")
        .replace("{d}", Math.floor(mins / 1440)).replace("{h}", Math.floor((mins % 1440) / 60)).replace("{m}", mins % 60);
      var span = p.querySelector(".countdown");
      if (span && text) { span.textContent = text; }
      p.classList.toggle("overdue", left < 0);
      if (span) { span.classList.toggle("flag", left < 0); }
    });
  }
  if (deadlines.length) { tick(); setInterval(tick, 30000); }
})();
