/* Search-as-you-type choices (core.kit.choices.SearchSelect) and focus on form error summaries.
 *
 * One delegated listener per event on the document, so widgets swapped in by htmx work without
 * set-up. No inline script anywhere: the Content-Security-Policy allows scripts from 'self' only.
 */
(function () {
  "use strict";
  var DELAY = 200;
  var timers = new WeakMap();
  var serial = 0;

  function parts(el) {
    var root = el.closest("[data-fk-choice]");
    if (!root) return null;
    return {
      root: root,
      input: root.querySelector("[data-fk-choice-input]"),
      value: root.querySelector(".fk-choice-value"),
      list: root.querySelector(".fk-choice-results"),
    };
  }

  function close(p) {
    p.list.hidden = true;
    p.list.replaceChildren();
    p.input.setAttribute("aria-expanded", "false");
    p.input.removeAttribute("aria-activedescendant");
  }

  function item(p, text, cls) {
    var li = document.createElement("li");
    li.className = "list-group-item small " + (cls || "");
    li.textContent = text;
    p.list.appendChild(li);
    return li;
  }

  function show(p, data) {
    p.list.replaceChildren();
    data.results.forEach(function (r, i) {
      var li = item(p, r.label, "list-group-item-action fk-choice-option");
      li.id = p.list.id + "_" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.dataset.value = r.id;
    });
    if (!data.results.length) item(p, p.root.dataset.fkChoiceEmpty, "text-body-secondary");
    if (data.more) item(p, p.root.dataset.fkChoiceMore, "text-body-secondary fst-italic");
    p.list.hidden = false;
    p.input.setAttribute("aria-expanded", "true");
  }

  function search(p) {
    var url = new URL(p.root.dataset.fkChoiceUrl, window.location.origin);
    url.searchParams.set("q", p.input.value);
    Object.keys(p.root.dataset).forEach(function (key) {
      if (key.indexOf("fkParam") === 0 && p.root.dataset[key]) {
        url.searchParams.set(key.slice(7).toLowerCase(), p.root.dataset[key]);
      }
    });
    var include = p.root.dataset.fkChoiceInclude;
    var form = p.root.closest("form");
    if (include && form && form.elements[include] && form.elements[include].value) {
      url.searchParams.set(include, form.elements[include].value);
    }
    var mine = ++serial;
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        // An older answer arriving after a newer one must not replace it.
        if (data && mine === serial && document.activeElement === p.input) show(p, data);
      })
      .catch(function () {});
  }

  function pick(p, li) {
    p.value.value = li.dataset.value;
    p.input.value = li.textContent;
    close(p);
    p.value.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function options(p) {
    return Array.prototype.slice.call(p.list.querySelectorAll(".fk-choice-option"));
  }

  function move(p, step) {
    var opts = options(p);
    if (!opts.length) return;
    var current = opts.findIndex(function (o) { return o.classList.contains("active"); });
    var next = (current + step + opts.length) % opts.length;
    opts.forEach(function (o, i) {
      o.classList.toggle("active", i === next);
      o.setAttribute("aria-selected", i === next ? "true" : "false");
    });
    p.input.setAttribute("aria-activedescendant", opts[next].id);
    opts[next].scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("input", function (e) {
    if (!e.target.matches("[data-fk-choice-input]")) return;
    var p = parts(e.target);
    if (p.value.value) {
      // The typed text no longer names the chosen record.
      p.value.value = "";
      if (!p.input.value) p.value.dispatchEvent(new Event("change", { bubbles: true }));
    }
    clearTimeout(timers.get(p.root));
    timers.set(p.root, setTimeout(function () { search(p); }, DELAY));
  });

  document.addEventListener("focusin", function (e) {
    if (!e.target.matches("[data-fk-choice-input]")) return;
    var p = parts(e.target);
    if (p.list.hidden && !p.value.value) search(p);
  });

  document.addEventListener("keydown", function (e) {
    if (!e.target.matches("[data-fk-choice-input]")) return;
    var p = parts(e.target);
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (p.list.hidden) search(p);
      else move(p, e.key === "ArrowDown" ? 1 : -1);
    } else if (e.key === "Enter" && !p.list.hidden) {
      var active = p.list.querySelector(".fk-choice-option.active");
      if (active) {
        e.preventDefault();
        pick(p, active);
      }
    } else if (e.key === "Escape" && !p.list.hidden) {
      e.preventDefault();
      close(p);
    }
  });

  // pointerdown, not click: it comes before the input loses focus, so a tap always lands.
  document.addEventListener("pointerdown", function (e) {
    var li = e.target.closest && e.target.closest(".fk-choice-option");
    if (li) {
      e.preventDefault();
      pick(parts(li), li);
      return;
    }
    document.querySelectorAll("[data-fk-choice]").forEach(function (root) {
      if (!root.contains(e.target)) {
        var p = parts(root);
        if (!p.list.hidden) close(p);
      }
    });
  });

  document.addEventListener("focusout", function (e) {
    if (!e.target.matches("[data-fk-choice-input]")) return;
    var p = parts(e.target);
    setTimeout(function () {
      if (document.activeElement !== p.input) close(p);
    }, 150);
  });

  // A form's error summary takes the focus, so a screen reader reads it and a phone scrolls to
  // it (browsers do not honour autofocus on every element).
  function focusSummary() {
    var summary = document.querySelector("[data-fk-focus]");
    if (summary) summary.focus();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusSummary);
  } else {
    focusSummary();
  }
})();
