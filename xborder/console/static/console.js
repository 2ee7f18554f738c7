/* xborder console: a few lines of progressive enhancement. Every page works without them.
   - [data-live-url]: poll the fragment every few seconds (204: unchanged) and swap it in, so the
     inbox and a case page follow the case without a full reload;
   - on a case page, say when the case moved on past the version the forms were rendered for;
   - a form is sent once (the button is disabled while it is on its way; its Idempotency-Key makes
     a second send the same command anyway);
   - the mortgagee's fieldset shows when "mortgaged" is ticked. */
(function () {
  "use strict";
  var EVERY = 4000;

  function poll(el) {
    var stopped = false;
    function tick() {
      if (stopped) { return; }
      if (document.hidden) { setTimeout(tick, EVERY); return; }
      var url = new URL(el.getAttribute("data-live-url"), window.location.href);
      url.searchParams.set("since", el.getAttribute("data-live-since") || "");
      fetch(url.toString(), { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) {
          if (response.status === 200) {
            var since = response.headers.get("X-Live-Since");
            return response.text().then(function (html) {
              el.innerHTML = html;
              if (since !== null) { el.setAttribute("data-live-since", since); }
              el.dispatchEvent(new CustomEvent("xborder:live", { bubbles: true, detail: { since: since } }));
            });
          }
          if (response.status >= 400) { stopped = true; }
          return null;
        })
        .catch(function () { /* the next tick tries again */ })
        .then(function () { setTimeout(tick, EVERY); });
    }
    setTimeout(tick, EVERY);
  }

  function movedOn(event) {
    var main = document.getElementById("main");
    var shown = main && main.getAttribute("data-case-version");
    var banner = document.querySelector("[data-testid='case-moved-on']");
    if (shown && banner && event.detail && event.detail.since && event.detail.since !== shown) {
      banner.hidden = false;
    }
  }

  function sendOnce(form) {
    form.addEventListener("submit", function () {
      var buttons = form.querySelectorAll("button[type='submit']");
      for (var i = 0; i < buttons.length; i++) {
        buttons[i].disabled = true;
        buttons[i].setAttribute("aria-busy", "true");
      }
    });
  }

  function shownBy(group) {
    var box = document.getElementById(group.getAttribute("data-shown-by"));
    if (!box) { return; }
    var hasErrors = group.querySelector("[data-testid='field-error']") !== null;
    function sync() { group.hidden = !box.checked && !hasErrors; }
    box.addEventListener("change", sync);
    sync();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var live = document.querySelectorAll("[data-live-url]");
    for (var i = 0; i < live.length; i++) { poll(live[i]); }
    document.addEventListener("xborder:live", movedOn);
    var forms = document.querySelectorAll("form[method='post']");
    for (var j = 0; j < forms.length; j++) { sendOnce(forms[j]); }
    var groups = document.querySelectorAll("[data-shown-by]");
    for (var k = 0; k < groups.length; k++) { shownBy(groups[k]); }
  });
})();
