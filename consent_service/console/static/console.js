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
})();
