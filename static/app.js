// Small progressive enhancements on top of htmx: focus management after
// swaps, Esc to cancel an open section form. Everything works without it.
(function () {
  "use strict";

  function firstField(root) {
    return root.querySelector(
      "[aria-invalid='true'], input:not([type=hidden]):not([tabindex='-1']):not([disabled]), select, textarea"
    );
  }

  // After a swap: a form gets focus on its first invalid (or first) field;
  // a read view that came back from a save gets focus on its heading.
  document.addEventListener("htmx:after:swap", function (evt) {
    var ctx = evt.detail && evt.detail.ctx;
    var target = ctx && ctx.target;
    if (!target || !target.id) return;
    var section = document.getElementById(target.id);
    if (!section || !section.matches("section.section")) return;
    var form = section.querySelector("form[data-section-form]");
    if (form) {
      var invalid = form.querySelector("[aria-invalid='true']");
      var wanted = form.dataset.focus && document.getElementById(form.dataset.focus);
      var field = invalid || wanted || firstField(form);
      if (field) field.focus();
      return;
    }
    var heading = section.querySelector("h2");
    if (heading) heading.focus();
  });

  // Without a swap (plain page load after a redirect) focus the invalid field too.
  document.addEventListener("DOMContentLoaded", function () {
    var invalid = document.querySelector("form[data-section-form] [aria-invalid='true']");
    if (invalid) invalid.focus();
  });

  // A state belongs to its country: when an address's country changes, its
  // state is cleared (the server clears it too on save) and the person is
  // told; choosing the old country again brings the state back.
  document.addEventListener("change", function (evt) {
    var select = evt.target;
    if (!select.matches || !select.matches("select[name$='.country']")) return;
    var row = select.closest(".row-address");
    var state = row && row.querySelector("input[name$='.state']");
    if (!state) return;
    if (!("country" in state.dataset)) {
      state.dataset.country = select.querySelector("option[selected]") ? select.querySelector("option[selected]").value : "";
      state.dataset.was = state.value;
    }
    var live = document.getElementById("live");
    if (select.value === state.dataset.country) {
      state.value = state.dataset.was;
      return;
    }
    if (state.value !== "" && state.value === state.dataset.was) {
      state.value = "";
      if (live) live.textContent = "State cleared: it belonged to the previous country.";
    }
  });

  // Esc inside an open section form cancels it.
  document.addEventListener("keydown", function (evt) {
    if (evt.key !== "Escape") return;
    var form = evt.target.closest && evt.target.closest("form[data-section-form]");
    if (!form) return;
    var cancel = form.querySelector("[data-cancel]");
    if (cancel) {
      evt.preventDefault();
      cancel.click();
    }
  });
})();
