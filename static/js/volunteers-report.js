// The public report page: ask the browser for the location once, fill the hidden fields and
// say what happened; a failure points the resident to the place list. No inline handlers (CSP).
(function () {
  "use strict";
  var box = document.getElementById("where");
  var lat = document.getElementById("id_latitude");
  var lng = document.getElementById("id_longitude");
  var status = document.getElementById("geo-status");
  if (!box || !lat || !lng || !status) { return; }
  function say(text, cls) { status.textContent = text; status.className = "small " + (cls || ""); }
  if (lat.value && lng.value) { return; } // kept from a previous submit
  if (!navigator.geolocation) { say(box.dataset.msgFailed, "fail"); return; }
  say(box.dataset.msgLocating);
  navigator.geolocation.getCurrentPosition(function (pos) {
    lat.value = pos.coords.latitude.toFixed(6);
    lng.value = pos.coords.longitude.toFixed(6);
    say(box.dataset.msgLocated.replace("{m}", Math.round(pos.coords.accuracy || 0)), "ok");
  }, function () {
    say(box.dataset.msgFailed, "fail");
  }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
})();
