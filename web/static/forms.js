// The availability editor (counselor_availability.html). Everything here
// only enhances: the page works as plain form posts without it.
(function () {
  "use strict";
  // The live preview answers 422 (naming the fields to fix) while the
  // form is incomplete; show that answer instead of keeping a preview
  // that no longer matches the form.
  document.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail.xhr.status === 422 && e.detail.target && e.detail.target.id === "slot-preview") {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });
  // An edit swapped into the week (a copy, a removed row) changes the
  // schedule: the preview follows once the new rows are in the form.
  document.addEventListener("htmx:afterSettle", function (e) {
    var id = e.detail.target && e.detail.target.id;
    var preview = document.getElementById("slot-preview");
    if (preview && id && (id === "weekly" || id.indexOf("day-") === 0) && window.htmx) {
      window.htmx.trigger(preview, "availability-edited");
    }
  });
})();
