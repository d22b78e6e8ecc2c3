// Taiwa — the fit questionnaire's progress follows the answers as they are
// given. The page works without it: the server renders the count too.
(function () {
  "use strict";
  function update(form) {
    var count = document.getElementById("fit-progress-count");
    var bar = document.getElementById("fit-progress");
    if (!count || !bar) return;
    var n = form.querySelectorAll("fieldset.likert:has(input:checked)").length;
    count.textContent = String(n);
    bar.value = n;
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("fit-form");
    if (!form) return;
    form.addEventListener("change", function () { update(form); });
  });
})();
