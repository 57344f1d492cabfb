/* The guard's page, offline-capable: each scan goes first into an IndexedDB outbox, then to
   POST /api/v1/patrols/scans with the scan's client UUID as its Idempotency-Key. A scan that
   cannot be sent (no network, a server error) stays queued and is sent again when the phone is
   back online or the page is opened; a refusal (bad code, no open round…) is shown and dropped.
   Without JavaScript the form posts to the page as usual. */
(function () {
  "use strict";
  var form = document.getElementById("scan-form");
  var status = document.getElementById("scan-status");
  var config = JSON.parse(document.getElementById("guard-config").textContent);
  if (!form || !window.indexedDB || !window.fetch || !window.crypto) { return; }

  function t(key, params) {
    var text = config.messages[key] || key;
    Object.keys(params || {}).forEach(function (name) { text = text.replace("%(" + name + ")s", params[name]); });
    return text;
  }

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

  function csrfToken() {
    var field = form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  // One flush at a time; a call during a flush runs another after it. While scans are left
  // (offline, or the server busy), try again every few seconds, not only on "online" events.
  var flushing = false, again = false, retry = null;
  function flush() {
    if (flushing) { again = true; return Promise.resolve(); }
    flushing = true;
    again = false;
    if (retry) { clearTimeout(retry); retry = null; }
    return queued().then(function (scans) {
      return scans.reduce(function (chain, scan) {
        return chain.then(function () { return send(scan); });
      }, Promise.resolve());
    }).then(function () {
      return queued();
    }).then(function (left) {
      if (left.length) {
        show(t("queued", { count: left.length }), "warning");
        retry = setTimeout(flush, 3000);
      }
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
      if (response.status >= 500 || response.status === 409 || response.status === 429) { return; }
      return response.json().then(function (answer) {
        if (response.ok) {
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

  window.addEventListener("online", flush);
  flush();
})();
