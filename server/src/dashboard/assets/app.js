// readycheck-server's dashboard: keeps the home page's live part current. A server-sent event
// after each stored report (and a poll every 20 s, for reports stored by another instance)
// fetches the part again, already rendered and escaped by the server. The roster upload posts
// the chosen file with the session's CSRF token. No other script runs on these pages.
(function () {
  'use strict';
  var live = document.getElementById('live');
  if (live) {
    var url = live.getAttribute('data-live');
    var pending = null, busy = false, again = false;
    var refresh = function () {
      if (busy) { again = true; return; }
      busy = true;
      fetch(url, { credentials: 'same-origin', cache: 'no-store' }).then(function (r) {
        if (r.status === 401) { window.location.href = '/login'; return null; }
        return r.ok ? r.text() : null;
      }).then(function (html) {
        if (html !== null && html !== undefined) {
          var doc = new DOMParser().parseFromString(html, 'text/html');
          var main = doc.body;
          live.replaceChildren.apply(live, Array.prototype.slice.call(main.childNodes));
          live.classList.remove('stalled');
        }
      }).catch(function () { live.classList.add('stalled'); })
        .then(function () { busy = false; if (again) { again = false; refresh(); } });
    };
    var soon = function () {
      if (pending) { return; }
      pending = setTimeout(function () { pending = null; refresh(); }, 150);
    };
    if (window.EventSource) {
      var es = new EventSource('/dashboard/events');
      es.addEventListener('changed', soon);
      es.onerror = function () { live.classList.add('stalled'); };
      es.onopen = function () { live.classList.remove('stalled'); };
    }
    setInterval(refresh, 20000);
  }
  var form = document.getElementById('roster-form');
  if (form) {
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var file = document.getElementById('roster-file').files[0];
      var out = document.getElementById('roster-result');
      if (!file) { return; }
      fetch('/dashboard/roster', {
        method: 'POST', credentials: 'same-origin',
        headers: { 'X-CSRF-Token': form.getAttribute('data-csrf'), 'Content-Type': 'text/csv' },
        body: file
      }).then(function (r) { return r.text(); }).then(function (t) {
        var msg = t;
        try {
          var j = JSON.parse(t);
          msg = j.imported + ' (' + j.encoding + ')';
          j.bad.forEach(function (b) { msg += '\nline ' + b.line + ': ' + b.message; });
        } catch (e) { /* the error text as is */ }
        out.textContent = msg;
        var size = document.getElementById('roster-size');
        if (size && /^\d+/.test(msg)) { size.textContent = msg.split(' ')[0]; }
      });
    });
  }
})();
