// Behaviour that would otherwise be inline: the Content-Security-Policy (script-src 'self')
// forbids inline <script> blocks and on*= handlers in templates.
(function () {
  "use strict";

  // Full ID and phone numbers must never travel in a URL: a filter form's number query goes to
  // the POST search instead (person list: #fk-filters beside the hidden #fk-number-search).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var post = document.getElementById("fk-number-search");
    if (form.id !== "fk-filters" || !post) return;
    var q = form.querySelector("[name=q]");
    if (q && /\d{7,}/.test(q.value.replace(/[\s-]/g, ""))) {
      event.preventDefault();
      event.stopImmediatePropagation();
      post.querySelector("[name=q]").value = q.value;
      q.value = "";
      post.submit();
    }
  }, true);

  // A new API token: select it on focus, copy it with the button.
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-fk-select-on-focus]")) {
      event.target.select();
    }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-fk-copy]");
    if (!button || !navigator.clipboard) return;
    var source = document.getElementById(button.getAttribute("data-fk-copy"));
    if (source) navigator.clipboard.writeText(source.value);
  });

  // Widths from data attributes (style="" attributes are refused by style-src 'self'); CSSOM
  // writes are allowed. Runs on load and on every htmx swap (the job progress bar).
  function applyWidths(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("[data-fk-width]").forEach(
      function (el) { el.style.width = el.getAttribute("data-fk-width") + "%"; }
    );
  }
  document.addEventListener("DOMContentLoaded", function () { applyWidths(document); });
  document.addEventListener("htmx:load", function (event) { applyWidths(event.target); });
})();
