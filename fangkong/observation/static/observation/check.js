// The check form at the door: the fever hint turns red as soon as the typed temperature
// reaches the threshold, and a comma typed on a Chinese keypad is read as a decimal point.
(function () {
  "use strict";
  var form = document.getElementById("fk-check-form");
  if (!form) return;
  var input = form.querySelector(".fk-temp");
  var hint = document.getElementById("fk-fever-hint");
  var threshold = parseFloat(form.getAttribute("data-threshold") || "37.3");
  function update() {
    var value = parseFloat((input.value || "").replace(/[,，。]/g, "."));
    var fever = !isNaN(value) && value >= threshold;
    input.classList.toggle("is-invalid", fever);
    if (hint) hint.classList.toggle("text-danger", fever);
    if (hint) hint.classList.toggle("fw-bold", fever);
  }
  if (input) {
    input.addEventListener("input", update);
    form.addEventListener("submit", function () {
      input.value = (input.value || "").replace(/[,，。]/g, ".");
    });
  }
})();
