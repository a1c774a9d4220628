// On a phone the tabs of the patrols app scroll sideways: bring the current one into view.
(function () {
  "use strict";
  function reveal() {
    document.querySelectorAll(".fk-patrol-tabs .nav-link.active").forEach(function (tab) {
      var strip = tab.closest("ul");
      if (strip && strip.scrollWidth > strip.clientWidth) {
        strip.scrollLeft = tab.offsetLeft - (strip.clientWidth - tab.offsetWidth) / 2;
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", reveal);
  } else {
    reveal();
  }
})();
