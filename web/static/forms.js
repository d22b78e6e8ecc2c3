// The availability editor's live preview answers 422 (naming the fields
// to fix) while the form is incomplete; show that answer instead of
// keeping a preview that no longer matches the form.
document.addEventListener("htmx:beforeSwap", function (e) {
  if (e.detail.xhr.status === 422 && e.detail.target && e.detail.target.id === "slot-preview") {
    e.detail.shouldSwap = true;
    e.detail.isError = false;
  }
});
