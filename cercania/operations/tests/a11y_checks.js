// Checks the browser accessibility tests inject beside axe-core
// (test_accessibility_in_browser.py). Test tooling only: never served by the app.
window.a11yChecks = (function () {
  "use strict";
  var SELECTOR = "a[href], button, input:not([type=hidden]), select, textarea, summary," +
    " [role=button], [tabindex]:not([tabindex='-1'])";

  function visible(el) {
    var r = el.getBoundingClientRect();
    var s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none";
  }

  // Interactive elements: the targets of SC 2.5.8 and the stops of the tab sequence.
  function targets() {
    return Array.prototype.filter.call(document.querySelectorAll(SELECTOR), visible);
  }

  function describe(el) {
    var name = (el.getAttribute("aria-label") || el.textContent || el.name || el.id || "").trim();
    return el.tagName.toLowerCase() + ' "' + name.slice(0, 40) + '"';
  }

  // SC 2.5.8: at least 24×24 CSS px, or a link inside a sentence (the inline exception),
  // or undersized but a 24 px circle centred on it touches no other target (spacing).
  function smallTargets() {
    var all = targets();
    var boxes = all.map(function (el) { return el.getBoundingClientRect(); });
    function inSentence(el) {
      if (getComputedStyle(el).display !== "inline") { return false; }
      var block = el.parentElement.closest("p, li, dd, td, label, legend, figcaption, span");
      return !!block && block.textContent.trim().length > el.textContent.trim().length;
    }
    function spaced(i) {
      var b = boxes[i], cx = b.x + b.width / 2, cy = b.y + b.height / 2;
      return boxes.every(function (o, j) {
        if (j === i) { return true; }
        var nx = Math.max(o.x, Math.min(cx, o.x + o.width));
        var ny = Math.max(o.y, Math.min(cy, o.y + o.height));
        return Math.hypot(nx - cx, ny - cy) >= 12;
      });
    }
    return all.flatMap(function (el, i) {
      var b = boxes[i];
      if ((b.width >= 24 && b.height >= 24) || inSentence(el) || spaced(i)) { return []; }
      return [describe(el) + " " + Math.round(b.width) + "×" + Math.round(b.height)];
    });
  }

  // What sticks out to the right, outside a scrolling wrapper (SC 1.4.10 lets a data
  // table scroll inside its own region).
  function wideElements() {
    var limit = window.innerWidth + 1;
    function clipped(el) {
      for (var p = el.parentElement; p; p = p.parentElement) {
        if (["auto", "scroll", "hidden"].indexOf(getComputedStyle(p).overflowX) >= 0) {
          return true;
        }
      }
      return false;
    }
    function sticksOut(el) { return el.getBoundingClientRect().right > limit; }
    return Array.prototype.filter.call(document.body.querySelectorAll("*"), function (el) {
      return sticksOut(el) && !clipped(el) && !Array.prototype.some.call(el.children, sticksOut);
    }).slice(0, 4).map(function (el) {
      var classes = el.className ? "." + String(el.className).split(" ").join(".") : "";
      return el.tagName.toLowerCase() + classes +
        " (" + Math.round(el.getBoundingClientRect().right) + " px)";
    });
  }

  // The look that focus may change, compared focused and unfocused.
  function look(el) {
    var s = getComputedStyle(el);
    return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.backgroundColor,
      s.borderColor, s.color, s.textDecorationLine].join("|");
  }

  // Number every stop and return how each looks without the focus.
  function markStops() {
    if (document.activeElement) { document.activeElement.blur(); }
    window.scrollTo(0, 0);
    return targets().map(function (el, i) { el.dataset.a11yStop = i; return look(el); });
  }

  // The focused stop: its number, look, and whether the sticky exit bar is drawn over it.
  function focused(sticky) {
    var el = document.activeElement;
    if (!el || el === document.body || el.dataset.a11yStop === undefined) { return null; }
    var covered = false;
    var bar = sticky && document.querySelector(".exit-bar");
    if (bar && !bar.contains(el)) {
      var r = el.getBoundingClientRect(), b = bar.getBoundingClientRect();
      var top = Math.max(r.top, b.top), bottom = Math.min(r.bottom, b.bottom);
      var left = Math.max(r.left, b.left), right = Math.min(r.right, b.right);
      // Overlapping rectangles are a cover only where the bar is painted on top.
      var over = top < bottom && left < right &&
        document.elementFromPoint((left + right) / 2, (top + bottom) / 2);
      covered = !!over && bar.contains(over);
    }
    return { index: Number(el.dataset.a11yStop), look: look(el), covered: covered,
      name: describe(el) };
  }

  return { smallTargets: smallTargets, wideElements: wideElements, markStops: markStops,
    focused: focused };
})();
