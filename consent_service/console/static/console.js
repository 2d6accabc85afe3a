// The console's only script, ours: it adds live parts and nothing else. Every page works
// without it; with it, an element marked data-refresh="<url>" has its content replaced every
// few seconds (data-refresh-seconds, default 5) by the HTML fragment the URL answers.
//
// A fragment answer carries the X-Console-Fragment header; anything else (the sign-in page
// after the session ended, an error page) reloads the page instead of being swapped in, so
// the person sees why. Refreshing pauses while the tab is hidden.
//
// A fragment that marks an element data-refresh-done says the live part has ended (a run
// finished): the page is reloaded once, so that what only the whole page draws (the button to
// retry the failed emails) appears, and the page drawn then no longer refreshes.
//
// A form marked data-download="<id>" (the consent report's) fetches its download itself, so
// that the element of that id can show how many of the report's rows have arrived out of the
// number the answer announces (X-Report-Rows); the file is then saved as the browser saves any
// download. An answer that is not the download (a refused choice drawn again, the sign-in page
// after the session ended) is opened as a page instead.
(function () {
  'use strict';

  var DEFAULT_SECONDS = 5;
  var FRAGMENT_HEADER = 'X-Console-Fragment';

  function period(element) {
    var seconds = parseInt(element.getAttribute('data-refresh-seconds'), 10);
    return (seconds > 0 ? seconds : DEFAULT_SECONDS) * 1000;
  }

  function swap(element, html) {
    var parsed = new DOMParser().parseFromString(html, 'text/html');
    element.replaceChildren.apply(element, Array.prototype.slice.call(parsed.body.childNodes));
  }

  function refresh(element) {
    if (document.hidden) {
      schedule(element);
      return;
    }
    fetch(element.getAttribute('data-refresh'), {
      credentials: 'same-origin',
      headers: { Accept: 'text/html' },
      redirect: 'follow',
    })
      .then(function (response) {
        if (!response.ok || response.headers.get(FRAGMENT_HEADER) !== '1') {
          window.location.reload();
          return null;
        }
        return response.text();
      })
      .then(function (html) {
        if (html !== null) {
          swap(element, html);
          if (element.querySelector('[data-refresh-done]')) {
            window.location.reload();
            return;
          }
          element.dispatchEvent(new CustomEvent('console:refreshed', { bubbles: true }));
          schedule(element);
        }
      })
      .catch(function () {
        schedule(element); // the network may come back; try again at the next turn
      });
  }

  function schedule(element) {
    window.setTimeout(function () { refresh(element); }, period(element));
  }

  document.querySelectorAll('[data-refresh]').forEach(schedule);

  var NEWLINE = 10;

  function newlines(bytes) {
    var count = 0;
    for (var i = 0; i < bytes.length; i += 1) {
      if (bytes[i] === NEWLINE) { count += 1; }
    }
    return count;
  }

  function filenameOf(response) {
    var found = /filename="([^"]+)"/.exec(response.headers.get('Content-Disposition') || '');
    return found ? found[1] : 'report';
  }

  function say(status, template, done, total) {
    status.querySelector('progress').value = done;
    status.querySelector('progress').max = Math.max(total, 1);
    status.querySelector('[data-progress-text]').textContent = template
      .replace('{done}', done.toLocaleString(document.documentElement.lang))
      .replace('{total}', total.toLocaleString(document.documentElement.lang));
  }

  function save(chunks, response) {
    var link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob(chunks, { type: response.headers.get('Content-Type') }));
    link.download = filenameOf(response);
    document.body.appendChild(link);
    link.click();
    link.remove();
    window.setTimeout(function () { URL.revokeObjectURL(link.href); }, 60000);
  }

  function receive(response, status, url) {
    var total = parseInt(response.headers.get('X-Report-Rows'), 10);
    if (!response.ok || isNaN(total) || !response.body) {
      window.location.assign(url);
      return null;
    }
    var heading = (response.headers.get('Content-Type') || '').indexOf('text/csv') === 0 ? 1 : 0;
    var reader = response.body.getReader();
    var chunks = [];
    var lines = 0;
    status.hidden = false;
    say(status, status.getAttribute('data-running'), 0, total);
    function next() {
      return reader.read().then(function (part) {
        if (part.done) {
          say(status, status.getAttribute('data-done'), total, total);
          save(chunks, response);
          return null;
        }
        chunks.push(part.value);
        lines += newlines(part.value);
        say(status, status.getAttribute('data-running'), Math.min(Math.max(lines - heading, 0), total), total);
        return next();
      });
    }
    return next();
  }

  document.querySelectorAll('form[data-download]').forEach(function (form) {
    var status = document.getElementById(form.getAttribute('data-download'));
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var url = form.action + '?' + new URLSearchParams(new FormData(form)).toString();
      fetch(url, { credentials: 'same-origin', redirect: 'follow' })
        .then(function (response) { return receive(response, status, url); })
        .catch(function () { window.location.assign(url); });
    });
  });
})();
