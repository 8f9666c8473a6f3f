// The exit button. Works without this script (it is a plain link to /salir/, which
// clears the site's data server-side); the script adds two things:
//  - location.replace, so "Back" does not return to the page she was reading;
//  - Shift pressed three times within 1.5 s triggers it from anywhere.
(function () {
  "use strict";
  var button = document.querySelector("[data-exit-button]");
  if (!button) { return; }
  var target = button.getAttribute("href");
  function leave(event) {
    if (event) { event.preventDefault(); }
    window.location.replace(target);
  }
  button.addEventListener("click", leave);
  var presses = [];
  document.addEventListener("keyup", function (event) {
    if (event.key !== "Shift") { presses = []; return; }
    var now = Date.now();
    presses = presses.filter(function (t) { return now - t < 1500; });
    presses.push(now);
    if (presses.length >= 3) { leave(); }
  });
})();
