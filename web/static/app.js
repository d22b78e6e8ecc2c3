// Taiwa: what every page does after htmx swaps part of it (the pages work
// without this file; it only keeps keyboard and screen-reader users
// oriented).
//
// When a swap removes the element that had focus (a pager's "next" link,
// a button inside the replaced region), focus would fall back to <body>
// and the reader would be left at the top of the page. Instead focus moves
// to the new content's first heading (or, failing that, the swapped
// element itself), which is scrolled into view. A swap that leaves focus
// where it was (typing in the search box refreshes the results), or that
// nobody started from the page (a part loaded after the page), leaves it
// alone.
(function () {
  "use strict";

  // The element that had focus when a swap began (a swap that a page load
  // started, like a card loaded after the page, finds <body>: nothing to do).
  var focusedBeforeSwap = null;

  document.addEventListener("htmx:beforeSwap", function () {
    var a = document.activeElement;
    focusedBeforeSwap = a && a !== document.body && a !== document.documentElement ? a : null;
  });

  function focusTarget(el) {
    if (!el || !el.isConnected) {
      return null;
    }
    var h = el.matches("h1, h2, h3") ? el : el.querySelector("h1, h2, h3");
    return h || el;
  }

  document.addEventListener("htmx:afterSettle", function (evt) {
    var had = focusedBeforeSwap;
    focusedBeforeSwap = null;
    if (!had || had.isConnected) {
      return; // focus was nowhere in particular, or is still where it was
    }
    // The request's target (evt.target may be an out-of-band piece); an
    // outerHTML swap replaced it: find its successor by id.
    var swapped = evt.detail && evt.detail.target;
    if (swapped && !swapped.isConnected && swapped.id) {
      swapped = document.getElementById(swapped.id);
    }
    var now = document.activeElement;
    if (now && now !== document.body && now !== document.documentElement) {
      return; // the new content took focus itself (autofocus)
    }
    var auto = swapped && swapped.isConnected && swapped.querySelector("[autofocus]");
    if (auto) {
      auto.focus();
      return;
    }
    var t = focusTarget(swapped);
    if (!t) {
      return;
    }
    if (!t.hasAttribute("tabindex") && !t.matches("a[href], button, input, select, textarea")) {
      t.setAttribute("tabindex", "-1");
    }
    t.focus({ preventScroll: true });
    t.scrollIntoView({ block: "start" });
  });

  // Typing in the counsellor search box refreshes the results by itself
  // (its input trigger). Leaving the box also fires a change event, which
  // the form would answer with one more refresh; when a person leaves it
  // by pressing on a result, that refresh can replace the list between
  // pressing and releasing, and the click is lost. So the box's change
  // stops before the form.
  document.addEventListener("change", function (evt) {
    var el = evt.target;
    if (el && el.id === "q" && el.form && el.form.id === "search-form") {
      evt.stopPropagation();
    }
  }, true);
})();
