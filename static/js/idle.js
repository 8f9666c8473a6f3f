// Idle warning on signed-in staff pages. The server ends a session after the idle
// timeout whether or not this script runs; the script only warns a few minutes before
// and lets her continue. "Continuar" is a POST the server counts as activity; nothing
// else here talks to the server, so an unattended page still times out.
// Its settings and texts come from data- attributes of its own <script> tag (no inline
// script: the CSP forbids it); the CSRF token from <meta name="csrf-token">.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.fetch) { return; }
  var data = script.dataset;
  var idleMs = Number(data.idleSeconds) * 1000;
  var warnMs = Number(data.warnSeconds) * 1000;
  if (!idleMs || !data.keepAliveUrl) { return; }
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrfToken = meta ? meta.getAttribute("content") : "";
  var warnTimer = null;
  var endTimer = null;

  var box = document.createElement("div");
  box.className = "idle-warning";
  box.hidden = true;
  box.setAttribute("role", "alertdialog");
  box.setAttribute("aria-labelledby", "idle-warning-title");
  box.setAttribute("aria-describedby", "idle-warning-body");
  var title = document.createElement("p");
  title.id = "idle-warning-title";
  title.className = "idle-warning__title";
  title.textContent = data.title;
  var body = document.createElement("p");
  body.id = "idle-warning-body";
  body.textContent = data.body;
  var button = document.createElement("button");
  button.type = "button";
  button.className = "button";
  button.textContent = data.continue;
  box.appendChild(title);
  box.appendChild(body);
  box.appendChild(button);

  function schedule() {
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    warnTimer = window.setTimeout(warn, Math.max(idleMs - warnMs, 0));
    endTimer = window.setTimeout(leave, idleMs);
  }

  function warn() {
    box.hidden = false;
    button.focus();
  }

  // The server has ended the session by now: take the page (and what it shows) off the
  // screen. If another tab kept the session alive, the login page sends her back here.
  function leave() {
    var here = window.location.pathname + window.location.search;
    window.location.replace(data.loginUrl + "?next=" + encodeURIComponent(here));
  }

  function keepAlive() {
    button.disabled = true;
    window.fetch(data.keepAliveUrl, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      // The pages say no-referrer; a same-origin POST must still carry its Origin for
      // Django's CSRF check, which a no-referrer request would send as "null".
      referrerPolicy: "same-origin",
      headers: { "X-CSRFToken": csrfToken }
    }).then(function (response) {
      if (response.status === 204) {
        box.hidden = true;
        schedule();
      } else {
        leave();  // already ended (signed out elsewhere, or too late)
      }
    }).catch(function () {
      // Network trouble: leave the warning up so she can try again.
    }).then(function () {
      button.disabled = false;
    });
  }

  button.addEventListener("click", keepAlive);
  document.body.appendChild(box);
  schedule();
})();
