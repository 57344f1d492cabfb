/* The guard's page, offline-capable: each scan goes first into an IndexedDB outbox, then to
   POST /api/v1/patrols/scans with the scan's client UUID as its Idempotency-Key. A scan that
   cannot be sent (no network, a server error, signed out) stays queued and is sent again when the
   phone is back online or the page is opened; a refusal (bad code, no open round…) is shown and
   dropped. Without JavaScript the form posts to the page as usual.

   The page opens with no network too: its service worker (/patrols/guard/sw.js) keeps a copy of
   it and of its static files. The rounds the page shows are kept in localStorage; when the page
   is an old copy (or the phone is offline) it shows the newest rounds it kept, with their time,
   and fetches fresh ones once the network is back. */
(function () {
  "use strict";
  var form = document.getElementById("scan-form");
  var status = document.getElementById("scan-status");
  var config = JSON.parse(document.getElementById("guard-config").textContent);

  function t(key, params) {
    var text = config.messages[key] || key;
    Object.keys(params || {}).forEach(function (name) { text = text.replace("%(" + name + ")s", params[name]); });
    return text;
  }

  // ---- Today's rounds, kept for when the page opens with no network ----

  var ROUNDS_KEY = "parkpact-patrol-rounds-" + config.user;
  var roundsBox = document.getElementById("rounds");
  var roundsStatus = document.getElementById("rounds-status");

  function keptRounds() {
    try { return JSON.parse(localStorage.getItem(ROUNDS_KEY)); } catch (error) { return null; }
  }

  function keepRounds(rounds) {
    try { localStorage.setItem(ROUNDS_KEY, JSON.stringify(rounds)); } catch (error) { /* storage full or blocked */ }
  }

  function newerThan(rounds, other) {
    return !other || Date.parse(rounds.renderedAt) > Date.parse(other.renderedAt);
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  // The same markup as the template draws.
  function renderRounds(rounds) {
    if (!roundsBox) { return; }
    roundsBox.textContent = "";
    if (!rounds.cards.length) {
      roundsBox.appendChild(element("p", "text-muted", t("no_rounds")));
    }
    rounds.cards.forEach(function (card) {
      var body = element("div", "card-body py-2");
      body.appendChild(element("div", "fw-bold", card.route + " · " + card.start + "–" + card.end + " · " + card.status));
      var stops = element("ol", "mb-0");
      card.stops.forEach(function (stop) {
        stops.appendChild(element("li", stop.scanned ? "text-success" : "", stop.name + (stop.scanned ? " ✓" : "")));
      });
      body.appendChild(stops);
      var box = element("div", "card mb-2");
      box.appendChild(body);
      roundsBox.appendChild(box);
    });
  }

  function showOffline(rounds) {
    if (!roundsStatus) { return; }
    roundsStatus.textContent = t("offline_rounds", { time: rounds.time });
    roundsStatus.className = "alert alert-secondary py-2";
  }

  // A copy of the page older than the rounds kept means the service worker answered from its
  // cache: show the rounds kept, and no message from the old visit.
  var shown = config.rounds;
  var kept = keptRounds();
  var oldCopy = !newerThan(config.rounds, kept);
  if (oldCopy) {
    shown = kept;
    renderRounds(kept);
    document.querySelectorAll("main > .alert[role=alert]").forEach(function (alert) { alert.remove(); });
  } else {
    keepRounds(config.rounds);
  }
  var stale = oldCopy || !navigator.onLine;
  if (stale) { showOffline(shown); }

  // Fresh rounds from the server: the page itself, fetched (not a navigation, so never from the
  // service worker's copy) and read for its configuration.
  function refreshRounds() {
    if (!roundsBox || !window.fetch || !window.DOMParser) { return Promise.resolve(); }
    return fetch(config.page, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok || response.redirected) { return; }
        return response.text().then(function (html) {
          var page = new DOMParser().parseFromString(html, "text/html");
          var script = page.getElementById("guard-config");
          if (!script) { return; }
          var fresh = JSON.parse(script.textContent);
          if (fresh.user !== config.user) { return; }
          keepRounds(fresh.rounds);
          renderRounds(fresh.rounds);
          stale = false;
          if (roundsStatus) { roundsStatus.textContent = ""; roundsStatus.className = ""; }
        });
      }).catch(function () { /* still offline: the rounds kept stay on screen */ });
  }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(config.serviceWorker, { scope: config.page })
      .catch(function () { /* the page still works online without it */ });
  }

  if (!form || !window.indexedDB || !window.fetch || !window.crypto) { return; }

  function newUuid() {
    if (crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40; bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  var dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var request = indexedDB.open("parkpact-patrol-" + config.user, 1);
        request.onupgradeneeded = function () { request.result.createObjectStore("outbox", { keyPath: "client_uuid" }); };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }

  function store(mode, work) {
    return db().then(function (database) {
      return new Promise(function (resolve, reject) {
        var tx = database.transaction(["outbox"], mode);
        var holder = {};
        work(tx.objectStore("outbox"), holder);
        tx.oncomplete = function () { resolve(holder.value); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }

  function queued() {
    return store("readonly", function (outbox, holder) {
      outbox.getAll().onsuccess = function (event) { holder.value = event.target.result; };
    });
  }

  function show(text, kind) {
    status.textContent = text;
    status.className = "alert py-2 alert-" + kind;
  }

  // The cookie first: a copy of the page from before the guard signed in again has a stale token.
  function csrfToken() {
    var match = document.cookie.match(new RegExp("(?:^|; )" + config.csrfCookie + "=([^;]*)"));
    if (match) { return decodeURIComponent(match[1]); }
    var field = form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  // One flush at a time; a call during a flush runs another after it. While scans are left
  // (offline, or the server busy), try again every few seconds, not only on "online" events.
  var flushing = false, again = false, retry = null, signedOut = false, recorded = false;
  function flush() {
    if (flushing) { again = true; return Promise.resolve(); }
    flushing = true;
    again = false;
    signedOut = false;
    recorded = false;
    if (retry) { clearTimeout(retry); retry = null; }
    return queued().then(function (scans) {
      return scans.reduce(function (chain, scan) {
        return chain.then(function () { return send(scan); });
      }, Promise.resolve());
    }).then(function () {
      return queued();
    }).then(function (left) {
      if (left.length) {
        show(signedOut ? t("sign_in") : t("queued", { count: left.length }), "warning");
        retry = setTimeout(flush, 3000);
      }
      // A scan went through: the rounds' ticks have changed.
      if (recorded) { return refreshRounds(); }
    }).finally(function () {
      flushing = false;
      if (again) { flush(); }
    });
  }

  function send(scan) {
    var body = Object.assign({}, scan, { sent_at: new Date().toISOString() });
    return fetch(config.scansUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Idempotency-Key": scan.client_uuid, "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (response.status >= 500 || [408, 409, 429].indexOf(response.status) >= 0) { return; }
      // Signed out (perhaps while offline): the scan waits for the guard to sign in again.
      if (response.status === 401) { signedOut = true; return; }
      return response.json().catch(function () { return {}; }).then(function (answer) {
        var code = answer.error && answer.error.code;
        if (response.status === 403 && code === "csrf_failed") { signedOut = true; return; }
        if (response.ok) {
          recorded = true;
          show(t(answer.outside_radius ? "far" : "recorded"), answer.outside_radius ? "warning" : "success");
        } else {
          show((answer.error && answer.error.message) || t("refused"), "danger");
        }
        return store("readwrite", function (outbox) { outbox.delete(scan.client_uuid); });
      });
    }, function () { /* offline: stays queued */ });
  }

  var position = null;
  if (navigator.geolocation) {
    navigator.geolocation.watchPosition(function (p) {
      position = { longitude: p.coords.longitude.toFixed(6), latitude: p.coords.latitude.toFixed(6) };
    }, function () {}, { enableHighAccuracy: true, maximumAge: 30000 });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var token = form.elements.token.value.trim();
    if (!token) { return; }
    var scan = {
      client_uuid: form.elements.client_uuid.value || newUuid(),
      token: token,
      scanned_at: new Date().toISOString(),
      position: position
    };
    store("readwrite", function (outbox) { outbox.put(scan); }).then(function () {
      form.elements.token.value = "";
      form.elements.client_uuid.value = newUuid();
      show(t("queued", { count: 1 }), "warning");
      return flush();
    });
  });

  // The page's hidden UUID may come from a copy of the page whose scan was already sent.
  form.elements.client_uuid.value = newUuid();

  window.addEventListener("online", function () {
    flush().then(function () { if (stale) { return refreshRounds(); } });
  });
  flush();
})();
