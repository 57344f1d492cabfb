/*
 * ParkPact: the service worker of a page that opens with no network (rendered by
 * parkpact.core.offline.service_worker_response and served from the page's own address, so that
 * its scope is the page: /field/ for the inspector's field app, /patrols/guard/ for the guard's page).
 *
 * - static files (the page's script and styles, Bootstrap, icons…): cache first;
 * - the page itself: network first, the cached copy when offline (never the login page in its place);
 * - GET answers under CONFIG.apiPrefix, if the page has one: network first, the last answer offline.
 *
 * Writes (POST) are never cached or replayed here: the page queues them in IndexedDB and sends
 * them itself, each with its Idempotency-Key, so that a retry can never create a duplicate.
 */
"use strict";

var CONFIG = {{ config|safe }};
var SHELL_PREFIX = "parkpact-" + CONFIG.name + "-shell-";
var SHELL_CACHE = SHELL_PREFIX + CONFIG.version;
var API_CACHE = "parkpact-" + CONFIG.name + "-api";

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(SHELL_CACHE).then(function (cache) {
      return cache.addAll(CONFIG.shell).then(function () {
        // The page too, if this browser is signed in (never cache the login page in its place).
        return fetch(CONFIG.app, { credentials: "same-origin" }).then(function (response) {
          if (response.ok && !response.redirected) { return cache.put(CONFIG.app, response); }
        }).catch(function () { /* offline while installing: cached on the next visit */ });
      });
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf(SHELL_PREFIX) === 0 && name !== SHELL_CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function cacheFirst(request) {
  return caches.match(request, { ignoreVary: true }).then(function (cached) {
    if (cached) { return cached; }
    return fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(SHELL_CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    });
  });
}

function networkFirst(request, cacheName, key) {
  return fetch(request).then(function (response) {
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      caches.open(cacheName).then(function (cache) { cache.put(key || request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.open(cacheName).then(function (cache) {
      return cache.match(key || request, { ignoreVary: true, ignoreSearch: !!key });
    }).then(function (cached) {
      return cached || Response.error();
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate" && url.pathname === CONFIG.app) {
    event.respondWith(networkFirst(request, SHELL_CACHE, CONFIG.app));
  } else if (url.pathname.indexOf(CONFIG.staticPrefix) === 0) {
    event.respondWith(cacheFirst(request));
  } else if (CONFIG.apiPrefix && url.pathname.indexOf(CONFIG.apiPrefix) === 0) {
    event.respondWith(networkFirst(request, API_CACHE));
  }
});
