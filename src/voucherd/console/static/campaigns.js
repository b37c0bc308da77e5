// Campaign form helpers (progressive enhancement: the form works without this script).
// As you type: the formula grammar's verdict under the formula field, sample codes for the
// code pattern, and the rule JSON the builder makes with the strict parser's verdict. Each
// asks the console (same checks as on save) after a short pause, never on every key.
"use strict";
(function () {
  var form = document.getElementById("campaign-form");
  if (!form) return;
  var DELAY = 300; // ms after the last key: one request per pause, not per key

  function debounce(fn) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, DELAY);
    };
  }

  function show(el, text, bad) {
    el.textContent = text;
    el.className = bad ? "error" : "done";
  }

  var formula = form.querySelector("[data-formula-check]");
  var formulaOut = document.getElementById("discount_formula-check");
  if (formula && formulaOut) {
    var checkFormula = debounce(function () {
      var text = formula.value;
      if (!text.trim()) { show(formulaOut, "", false); formula.removeAttribute("aria-invalid"); return; }
      fetch("/console/checks/formula?formula=" + encodeURIComponent(text), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (body) {
          if (formula.value !== text) return; // a newer check is on its way
          if (body.ok) {
            show(formulaOut, "Formula is valid.", false);
            formula.removeAttribute("aria-invalid");
          } else {
            show(formulaOut, body.message, true);
            formula.setAttribute("aria-invalid", "true");
          }
        })
        .catch(function () { /* offline or logged out: the save checks again */ });
    });
    formula.addEventListener("input", checkFormula);
  }

  var preview = document.getElementById("code-preview");
  if (preview) {
    var refreshCodes = debounce(function () {
      var params = new URLSearchParams();
      ["pattern", "prefix", "postfix", "charset", "length"].forEach(function (name) {
        var el = form.elements["code_" + name];
        if (el && el.value) params.set("code_" + name, el.value);
      });
      fetch("/console/checks/codes?" + params.toString(), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (body) {
          if (body.error) show(preview, body.error, true);
          else show(preview, body.codes.join(", "), false);
        })
        .catch(function () {});
    });
    form.querySelectorAll("[data-code-preview]").forEach(function (el) {
      el.addEventListener("input", refreshCodes);
    });
  }

  var ruleJson = document.getElementById("rule-json");
  var ruleProblem = document.getElementById("rule-problem");
  if (ruleJson && ruleProblem) {
    var refreshRule = debounce(function () {
      fetch("/console/checks/rule", { method: "POST", body: new FormData(form), credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (body) {
          ruleJson.textContent = body.json || "(no rule)";
          if (body.json) ruleJson.parentElement.open = true;
          show(ruleProblem, body.error || "", Boolean(body.error));
        })
        .catch(function () {});
    });
    form.querySelectorAll("[data-rule]").forEach(function (el) {
      el.addEventListener("input", refreshRule);
      el.addEventListener("change", refreshRule);
    });
  }
})();
