// Small progressive enhancements on top of htmx: focus management after
// swaps, Esc to cancel an open section form. Everything works without it.
(function () {
  "use strict";

  function firstField(root) {
    return root.querySelector(
      "[aria-invalid='true'], input:not([type=hidden]):not([tabindex='-1']):not([disabled]), select, textarea"
    );
  }

  // Where the person last clicked: a section that refreshes itself (the
  // history, after a save elsewhere) must not take the focus from them.
  var clickedIn = null;
  document.addEventListener("click", function (evt) {
    var s = evt.target.closest && evt.target.closest("section.section");
    clickedIn = s ? s.id : null;
  }, true);

  // After a swap: a form gets focus on its first invalid (or first) field;
  // a read view that came back from a save gets focus on its heading.
  document.addEventListener("htmx:after:swap", function (evt) {
    var ctx = evt.detail && evt.detail.ctx;
    var target = ctx && ctx.target;
    if (!target || !target.id) return;
    var section = document.getElementById(target.id);
    if (!section || !section.matches("section.section")) return;
    if (section.id === "history-section" && clickedIn !== "history-section") return;
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

  // Unsaved changes: a section form that holds something other than what it
  // first showed asks before its changes are thrown away — leaving the page,
  // closing the tab, Cancel, Esc. A form being sent never asks, and a saved
  // one is gone from the page.
  function differs(form) {
    var orig = form.querySelector("input[name=name_orig]");
    if (orig) {
      var name = form.querySelector("input[name=name]");
      return !!name && name.value.trim() !== orig.value.trim();
    }
    var rows = form.querySelectorAll(".row");
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i];
      var remove = row.querySelector("input[type=checkbox][name$='.remove']");
      if (remove && remove.checked) return true;
      var was = row.querySelectorAll("input[type=hidden][name*='.was.']");
      if (was.length === 0) {
        // A new row counts once something is typed into it.
        var typed = row.querySelectorAll("input:not([type=hidden]):not([type=checkbox])");
        for (var j = 0; j < typed.length; j++) if (typed[j].value.trim() !== "") return true;
        continue;
      }
      for (var k = 0; k < was.length; k++) {
        var field = form.querySelector("[name='" + was[k].name.replace(".was.", ".") + "']");
        if (field && field.value.trim() !== was[k].value.trim()) return true;
      }
    }
    return false;
  }
  function unsaved() {
    var forms = document.querySelectorAll("form[data-section-form]");
    for (var i = 0; i < forms.length; i++) if (differs(forms[i])) return true;
    return false;
  }
  var sending = false;
  document.addEventListener("submit", function () { sending = true; });
  document.addEventListener("htmx:after:request", function (evt) {
    // The desk sends the browser elsewhere on purpose (a sign-in that ended
    // keeps the form as a draft): let it go without asking.
    var res = evt.detail && evt.detail.ctx && evt.detail.ctx.response;
    sending = !!(res && res.headers && (res.headers.get("HX-Redirect") || res.headers.get("HX-Location")));
  });
  window.addEventListener("pageshow", function () { sending = false; });
  window.addEventListener("beforeunload", function (evt) {
    if (sending || !unsaved()) return;
    evt.preventDefault();
    evt.returnValue = "";
  });
  // Cancel (and "Use their version") on a changed form asks first; this
  // listens before htmx does, so a "no" stops the swap.
  document.addEventListener("click", function (evt) {
    var cancel = evt.target.closest && evt.target.closest("[data-cancel]");
    var form = cancel && cancel.closest("form[data-section-form]");
    if (!form || !differs(form)) return;
    if (!window.confirm("Discard your unsaved changes to this section?")) {
      evt.preventDefault();
      evt.stopImmediatePropagation();
    }
  }, true);

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
