// Small shared behaviours. htmx sends the CSRF token with every request.
document.addEventListener("htmx:configRequest", function (event) {
  var token = document.querySelector("meta[name=csrf-token]");
  if (token) { event.detail.headers["X-CSRFToken"] = token.content; }
});
// No inline event handlers (the Content-Security-Policy forbids them): behaviour is declared
// with data attributes. <form data-confirm="…"> asks before submitting; <select data-autosubmit>
// submits its form on change.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.dataset && form.dataset.confirm !== undefined && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
}, true);
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el.matches && el.matches("select[data-autosubmit]") && el.form) { el.form.submit(); }
});
// A request the server refused as hostile input (X-Bad-Input) shows its message in the target.
document.addEventListener("htmx:beforeSwap", function (event) {
  var xhr = event.detail.xhr;
  if (xhr && xhr.status === 400 && xhr.getResponseHeader("X-Bad-Input")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
// Disable a form's submit buttons once it is submitted (double taps on a flaky network).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (event.defaultPrevented || form.dataset.allowResubmit !== undefined) { return; }
  setTimeout(function () {
    form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) { b.disabled = true; });
  }, 0);
});
