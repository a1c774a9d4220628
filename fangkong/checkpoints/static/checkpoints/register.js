// The passage screen: keyboard and thumb helpers. Everything works without this file (a plain
// POST); it only saves keystrokes. Loaded with <script src> (strict CSP: no inline code).
(function () {
  "use strict";

  function form() { return document.getElementById("fk-passage-form"); }

  function syncKind() {
    var f = form();
    if (!f) return;
    var vehicle = f.querySelector("input[name=kind][value=vehicle]");
    var passengers = f.querySelector("#id_passengers");
    if (vehicle && passengers) passengers.disabled = !vehicle.checked;
  }

  function focusFirst() {
    var f = form();
    if (!f) return;
    var invalid = f.querySelector(".is-invalid");
    var target = invalid || f.querySelector("#id_id_number");
    if (target) target.focus();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-fk-origin]");
    if (!button) return;
    var input = document.getElementById("id_origin");
    if (input) {
      input.value = button.getAttribute("data-fk-origin");
      var next = document.getElementById("id_destination");
      if (next) next.focus();
    }
  });

  document.addEventListener("change", function (event) {
    if (event.target.name === "kind") syncKind();
  });

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (input.id !== "id_id_number") return;
    // A scanner or a fast typist reaches 18 characters: look the number up at once.
    if (input.value.replace(/\s/g, "").length === 18 && window.htmx) {
      window.htmx.trigger(input, "fk-lookup");
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") return;
    var input = event.target;
    var f = form();
    if (!f || !f.contains(input) || input.type === "submit") return;
    // Enter before the temperature is taken (a barcode scanner ends the number with Enter)
    // moves on to what is still missing instead of submitting half a passage.
    var name = document.getElementById("id_name");
    var temperature = document.getElementById("id_temperature");
    if (input.id === "id_id_number" || (temperature && !temperature.value)) {
      event.preventDefault();
      if (input.id === "id_id_number" && name && !name.value) name.focus();
      else if (temperature) temperature.focus();
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var found = event.target.querySelector && event.target.querySelector("[data-fk-name]");
    if (found) {
      var name = document.getElementById("id_name");
      if (name && !name.value) name.value = found.getAttribute("data-fk-name");
      var temperature = document.getElementById("id_temperature");
      if (temperature) temperature.focus();
      return;
    }
    if (event.target.id === "fk-register-panel" || (event.detail && event.detail.target && event.detail.target.id === "fk-register-panel")) {
      syncKind();
      focusFirst();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    syncKind();
    focusFirst();
  });
})();
