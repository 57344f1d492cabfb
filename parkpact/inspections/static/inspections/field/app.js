/*
 * ParkPact field app: today's visits, the checklist, photos and GPS — with or without a network.
 *
 * Everything the inspector records is first written to IndexedDB (one database per user):
 *   drafts  — an inspection being done, by visit UUID (survives a reload or a flat battery);
 *   outbox  — what waits to be sent: one "submission" per visit and one "photo" per picture,
 *             each with a UUID made here (crypto.randomUUID) that is also its Idempotency-Key;
 *   meta    — the last list of visits, for when the app opens offline.
 * The outbox is sent in order (a visit's submission before its photos) whenever the browser says
 * it is online, every minute, and after each failure with a growing delay (2 s doubling to 5 min).
 * The server answers a retry with its first answer, so sending twice never creates anything twice.
 * docs/field-app.md describes the protocol.
 *
 * Every visible string comes from the page's JSON catalogue (config.strings), already translated.
 * Text from the server (zone names, notes) is always set with textContent, never as markup.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("field-config").textContent);
  var strings = config.strings;
  var RETRY_MIN_MS = 2000;
  var RETRY_MAX_MS = 5 * 60 * 1000;
  var PERIODIC_MS = 60 * 1000;
  var ZERO_UUID = "00000000-0000-0000-0000-000000000000";

  var state = {
    visits: [],
    current: null,      // the visit on the inspection screen
    draft: null,        // its draft
    outbox: [],
    drafts: {},         // visits with an inspection started on this device
    sending: false,
    failures: 0,
    retryTimer: null,
    map: null,
    mapLayer: null,
    view: "list"
  };

  // ---- Small helpers ---------------------------------------------------------------------------

  function t(key, params) {
    var text = strings[key] || key;
    Object.keys(params || {}).forEach(function (name) {
      text = text.split("%(" + name + ")s").join(String(params[name]));
    });
    return text;
  }

  function $(id) { return document.getElementById(id); }

  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      var value = attributes[name];
      if (value === null || value === undefined || value === false) { return; }
      if (name === "text") { node.textContent = value; }
      else if (name === "className") { node.className = value; }
      else if (name.indexOf("on") === 0) { node.addEventListener(name.slice(2), value); }
      else { node.setAttribute(name, value === true ? "" : value); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }

  function newUuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  // Times are shown in the centre's time zone (Asia/Shanghai), as on the workspace's pages.
  var timeFormat = new Intl.DateTimeFormat(config.language, {
    hour: "2-digit", minute: "2-digit", timeZone: config.timeZone
  });
  var dayTimeFormat = new Intl.DateTimeFormat(config.language, {
    month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZone: config.timeZone
  });
  function clock(iso) { return timeFormat.format(new Date(iso)); }
  function dayTime(iso) { return dayTimeFormat.format(new Date(iso)); }

  function url(template, uuid) { return template.replace(ZERO_UUID, uuid); }

  function csrfToken() {
    var match = document.cookie.match(new RegExp("(?:^|; )" + config.csrfCookie + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : config.csrfToken;
  }

  function showBanner(message, link) {
    var banner = $("banner");
    banner.textContent = message;
    if (link) {
      banner.appendChild(document.createTextNode(" "));
      banner.appendChild(el("a", { href: link.href, className: "alert-link", text: link.text }));
    }
    banner.classList.remove("d-none");
  }

  function hideBanner() { $("banner").classList.add("d-none"); }

  // ---- IndexedDB -------------------------------------------------------------------------------

  var dbPromise = null;

  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var request = indexedDB.open("parkpact-field-" + config.user, 1);
        request.onupgradeneeded = function () {
          var database = request.result;
          database.createObjectStore("drafts", { keyPath: "visit" });
          database.createObjectStore("outbox", { keyPath: "id" });
          database.createObjectStore("meta", { keyPath: "key" });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }

  // Run work(stores) in one transaction over the named stores; resolves when it has committed.
  function transact(names, mode, work) {
    return db().then(function (database) {
      return new Promise(function (resolve, reject) {
        var tx = database.transaction(names, mode);
        var stores = {};
        names.forEach(function (name) { stores[name] = tx.objectStore(name); });
        var result;
        try { result = work(stores); } catch (error) { tx.abort(); reject(error); return; }
        tx.oncomplete = function () { resolve(result && result.value !== undefined ? result.value : result); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  function getAll(name) {
    return transact([name], "readonly", function (stores) {
      var holder = { value: [] };
      stores[name].getAll().onsuccess = function (event) { holder.value = event.target.result; };
      return holder;
    });
  }

  function getOne(name, key) {
    return transact([name], "readonly", function (stores) {
      var holder = { value: null };
      stores[name].get(key).onsuccess = function (event) { holder.value = event.target.result || null; };
      return holder;
    });
  }

  function putOne(name, value) {
    return transact([name], "readwrite", function (stores) { stores[name].put(value); });
  }

  function deleteOne(name, key) {
    return transact([name], "readwrite", function (stores) { stores[name].delete(key); });
  }

  // ---- Network status and the waiting counter --------------------------------------------------

  function renderNetwork() {
    var badge = $("network");
    badge.textContent = navigator.onLine ? t("online") : t("offline");
    badge.className = "badge rounded-pill " + (navigator.onLine ? "text-bg-light" : "text-bg-secondary");
  }

  function waitingVisits() {
    var visits = {};
    state.outbox.forEach(function (item) {
      if (item.state === "waiting") { visits[item.visit] = true; }
    });
    return Object.keys(visits).length;
  }

  function renderCounter() {
    var count = waitingVisits();
    var badge = $("waiting");
    badge.dataset.count = String(count);
    badge.textContent = count ? t("waiting", { count: count }) : t("nothing_waiting");
    if (state.sending && count) { badge.textContent += " · " + t("sending"); }
  }

  function renderOutbox() {
    var list = $("outbox-list");
    list.textContent = "";
    var items = state.outbox.slice().sort(function (a, b) { return a.created < b.created ? 1 : -1; });
    items.forEach(function (item) {
      var label = item.kind === "submission"
        ? t("inspection_item", { zone: item.zoneLabel })
        : t("photo_item", { standard: item.standard, zone: item.zoneLabel });
      var status = item.state === "sent" ? t("sent_at", { time: dayTime(item.sentAt) })
        : item.state === "refused" ? t("refused", { message: item.error || "" })
        : t("local_waiting") + (item.error ? " — " + item.error : "");
      if (item.review) { status += " " + t("review_flag", { reason: item.review }); }
      var row = el("li", { className: "list-group-item d-flex justify-content-between align-items-start gap-2", "data-outbox": item.id }, [
        el("div", {}, [el("div", { text: label }), el("div", { className: "text-muted", text: status })])
      ]);
      if (item.state === "refused" && item.kind === "submission") {
        row.appendChild(el("button", {
          type: "button", className: "btn btn-outline-danger btn-sm", text: t("discard"),
          onclick: function () { discard(item); }
        }));
      }
      list.appendChild(row);
    });
  }

  function loadOutbox() {
    return getAll("drafts").then(function (drafts) {
      state.drafts = {};
      drafts.forEach(function (draft) { if (draft.startedAt) { state.drafts[draft.visit] = true; } });
      return getAll("outbox");
    }).then(function (items) {
      // Keep a week of what was sent, for the inspector's own record; forget older entries.
      var cutoff = Date.now() - 7 * 24 * 3600 * 1000;
      var stale = items.filter(function (item) { return item.state === "sent" && Date.parse(item.sentAt) < cutoff; });
      state.outbox = items.filter(function (item) { return stale.indexOf(item) < 0; });
      stale.forEach(function (item) { deleteOne("outbox", item.id); });
      renderCounter();
      renderOutbox();
      renderVisits();
    });
  }

  function discard(submission) {
    if (!window.confirm(t("discard_confirm"))) { return; }
    transact(["outbox"], "readwrite", function (stores) {
      state.outbox.forEach(function (item) {
        if (item.id === submission.id || item.submission === submission.id) { stores.outbox.delete(item.id); }
      });
    }).then(loadOutbox);
  }

  // ---- Sending the outbox ----------------------------------------------------------------------

  function scheduleRetry() {
    clearTimeout(state.retryTimer);
    var delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * Math.pow(2, state.failures));
    delay = delay * (0.8 + Math.random() * 0.4);
    state.failures += 1;
    state.retryTimer = setTimeout(function () { state.retryTimer = null; flush(); }, delay);
  }

  function errorMessage(response, body) {
    if (body && body.error && body.error.message) {
      var fields = body.error.fields || {};
      var details = Object.keys(fields).map(function (name) { return fields[name].join(" "); });
      return [body.error.message].concat(details).join(" ");
    }
    return "HTTP " + response.status;
  }

  // One request; resolves to "sent", "refused", "retry" (network, server) or "signin".
  function send(item) {
    var headers = { "Idempotency-Key": item.id, "X-CSRFToken": csrfToken(), "Accept": "application/json" };
    var options = { method: "POST", credentials: "same-origin", headers: headers };
    var target;
    if (item.kind === "submission") {
      target = url(config.urls.submission, item.visit);
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(item.body);
    } else {
      target = url(config.urls.photos, item.finding);
      var form = new FormData();
      form.append("uuid", item.id);
      if (item.takenAt) { form.append("taken_at", item.takenAt); }
      form.append("photo", new Blob([item.data], { type: item.type }), item.name);
      options.body = form;
    }
    return fetch(target, options).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        var code = body && body.error ? body.error.code : "";
        if (response.ok) { return { outcome: "sent", body: body }; }
        if (response.status === 401) { return { outcome: "signin" }; }
        // A stale CSRF token (signed in again elsewhere): the next try reads the new cookie.
        if (response.status >= 500 || response.status === 408 || response.status === 429 ||
            code === "csrf_failed") {
          return { outcome: "retry", error: errorMessage(response, body) };
        }
        return { outcome: "refused", error: errorMessage(response, body) };
      });
    }, function () { return { outcome: "retry" }; });
  }

  function record(item, result) {
    if (result.outcome === "sent") {
      item.state = "sent";
      item.sentAt = new Date().toISOString();
      item.error = "";
      if (item.kind === "submission" && result.body && result.body.needs_review) {
        item.review = result.body.review_reason;
      }
    } else if (result.outcome === "refused") {
      item.state = "refused";
      item.error = result.error;
    } else {
      item.attempts = (item.attempts || 0) + 1;
      item.error = result.error || "";
    }
    var changes = [item];
    if (item.kind === "submission" && item.state === "refused") {
      state.outbox.forEach(function (photo) {
        if (photo.submission === item.id && photo.state === "waiting") {
          photo.state = "refused";
          photo.error = t("photo_of_refused");
          changes.push(photo);
        }
      });
    }
    return transact(["outbox"], "readwrite", function (stores) {
      changes.forEach(function (change) { stores.outbox.put(change); });
    });
  }

  // The next item to send: submissions first, then photos whose submission the server has.
  function nextItem() {
    var waiting = state.outbox.filter(function (item) { return item.state === "waiting"; });
    waiting.sort(function (a, b) { return a.created < b.created ? -1 : 1; });
    var submissions = waiting.filter(function (item) { return item.kind === "submission"; });
    if (submissions.length) { return submissions[0]; }
    var sentSubmissions = {};
    state.outbox.forEach(function (item) {
      if (item.kind === "submission" && item.state === "sent") { sentSubmissions[item.id] = true; }
    });
    return waiting.filter(function (item) { return sentSubmissions[item.submission]; })[0] || null;
  }

  function flush() {
    if (state.sending) { return Promise.resolve(); }
    if (!navigator.onLine) { renderCounter(); return Promise.resolve(); }
    clearTimeout(state.retryTimer);
    state.retryTimer = null;
    state.sending = true;
    renderCounter();
    var sentSomething = false;
    function step() {
      var item = nextItem();
      if (!item) { state.failures = 0; return Promise.resolve(); }
      return send(item).then(function (result) {
        if (result.outcome === "signin") {
          showBanner(t("sign_in_again"), { href: config.urls.login, text: t("sign_in") });
          scheduleRetry();
          return null;
        }
        return record(item, result).then(function () {
          renderCounter();
          renderOutbox();
          if (result.outcome === "retry") { scheduleRetry(); return null; }
          sentSomething = true;
          state.failures = 0;
          hideBanner();
          return step();
        });
      });
    }
    return step().catch(function () { scheduleRetry(); }).then(function () {
      state.sending = false;
      renderCounter();
      renderOutbox();
      // What was sent is no longer an open visit on the server.
      return sentSomething ? loadVisits() : renderVisits();
    });
  }

  // ---- Visits ----------------------------------------------------------------------------------

  function loadVisits() {
    return fetch(config.urls.visits + "?limit=200", {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (response.status === 401) {
        showBanner(t("sign_in_again"), { href: config.urls.login, text: t("sign_in") });
        throw new Error("signed out");
      }
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (body) {
      var saved = { key: "visits", items: body.items, at: new Date().toISOString() };
      state.visits = body.items;
      $("visits-note").textContent = t("visits_as_of", { time: clock(saved.at) });
      renderVisits();
      return putOne("meta", saved);
    }).catch(function () {
      return getOne("meta", "visits").then(function (saved) {
        if (saved) {
          state.visits = saved.items;
          $("visits-note").textContent = t("visits_offline", { time: dayTime(saved.at) });
        } else {
          $("visits-note").textContent = t("visits_failed");
        }
        renderVisits();
      });
    });
  }

  function localState(visit) {
    var mine = state.outbox.filter(function (item) { return item.visit === visit.uuid; });
    if (mine.some(function (item) { return item.state === "refused" && item.kind === "submission"; })) { return "refused"; }
    if (mine.some(function (item) { return item.state === "waiting"; })) { return "waiting"; }
    if (mine.some(function (item) { return item.kind === "submission" && item.state === "sent"; })) { return "sent"; }
    return state.drafts[visit.uuid] ? "draft" : null;
  }

  var LOCAL_BADGES = { waiting: "text-bg-warning", sent: "text-bg-success", refused: "text-bg-danger", draft: "text-bg-info" };

  function renderVisits() {
    var list = $("visit-list");
    list.textContent = "";
    if (!state.visits.length) {
      list.appendChild(el("p", { className: "text-muted", text: t("no_visits") }));
    }
    state.visits.forEach(function (visit) {
      var local = localState(visit);
      var badges = el("div", { className: "d-flex gap-1 flex-wrap" }, [
        el("span", { className: "badge text-bg-secondary", text: t("status_" + visit.status) })
      ]);
      if (local) {
        badges.appendChild(el("span", { className: "badge " + LOCAL_BADGES[local], text: t("local_" + local) }));
      }
      var card = el("article", { className: "card visit-card", "data-visit": visit.uuid }, [
        el("div", { className: "card-body" }, [
          el("div", { className: "d-flex justify-content-between align-items-start gap-2" }, [
            el("div", {}, [
              el("h2", { className: "h6 mb-1", text: visit.zone.code + " " + visit.zone.name }),
              el("div", { className: "small text-muted", text: visit.zone.park + " · " + visit.zone.kind_label + " · " + visit.contract })
            ]),
            badges
          ]),
          el("p", { className: "small mb-2 mt-1", text: t("window", { start: dayTime(visit.window_start), end: clock(visit.window_end) }) }),
          el("button", {
            type: "button", className: "btn btn-success btn-sm", text: t("inspect"),
            disabled: local === "waiting" || local === "sent",
            onclick: function () { openVisit(visit); }
          })
        ])
      ]);
      list.appendChild(card);
    });
    if (state.view === "map" && !state.current) { drawMap(); }
  }

  // ---- The map: zone polygons over a plain background (no tiles) ------------------------------

  function drawMap() {
    if (!window.L) { return; }
    if (!state.map) {
      state.map = L.map("visit-map", { attributionControl: false, zoomSnap: 0.25, maxZoom: 21 });
    }
    if (state.mapLayer) { state.map.removeLayer(state.mapLayer); }
    var features = state.visits.map(function (visit) {
      return { type: "Feature", geometry: visit.zone.boundary, properties: { visit: visit } };
    });
    state.mapLayer = L.geoJSON({ type: "FeatureCollection", features: features }, {
      style: function (feature) {
        var done = localState(feature.properties.visit);
        var colour = done ? "#6c757d" : "#198754";
        return { color: colour, weight: 2, fillColor: colour, fillOpacity: 0.4 };
      },
      onEachFeature: function (feature, layer) {
        var visit = feature.properties.visit;
        var tip = el("div", {}, [
          el("strong", { text: visit.zone.code + " " + visit.zone.name }),
          el("div", { text: t("window", { start: dayTime(visit.window_start), end: clock(visit.window_end) }) })
        ]);
        layer.bindTooltip(tip, { sticky: true });
        layer.on("click", function () {
          var local = localState(visit);
          if (local !== "waiting" && local !== "sent") { openVisit(visit); }
        });
      }
    }).addTo(state.map);
    state.map.invalidateSize();
    if (state.mapLayer.getLayers().length) {
      state.map.fitBounds(state.mapLayer.getBounds(), { padding: [24, 24], maxZoom: 19 });
    } else {
      state.map.setView([24.93, 118.6], 15);
    }
  }

  function showView(view) {
    state.view = view;
    document.querySelectorAll("[data-view]").forEach(function (button) {
      var active = button.dataset.view === view;
      button.classList.toggle("active", active);
      button.setAttribute("aria-pressed", active ? "true" : "false");
    });
    $("visit-list").classList.toggle("d-none", view !== "list");
    $("visit-map").classList.toggle("d-none", view !== "map");
    if (view === "map") { drawMap(); }
  }

  // ---- One inspection --------------------------------------------------------------------------

  function locate() {
    return new Promise(function (resolve) {
      if (!navigator.geolocation) { resolve(null); return; }
      navigator.geolocation.getCurrentPosition(function (position) {
        resolve({
          longitude: position.coords.longitude,
          latitude: position.coords.latitude,
          accuracy_m: position.coords.accuracy
        });
      }, function () { resolve(null); }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 });
    });
  }

  function saveDraft() { return putOne("drafts", state.draft); }

  function openVisit(visit) {
    state.current = visit;
    getOne("drafts", visit.uuid).then(function (draft) {
      state.draft = draft || { visit: visit.uuid, version: visit.version, startedAt: null, startPosition: null, items: {} };
      renderInspection();
      $("visits-screen").classList.add("d-none");
      $("inspection-screen").classList.remove("d-none");
      window.scrollTo(0, 0);
    });
  }

  function closeVisit() {
    state.current = null;
    state.draft = null;
    $("inspection-screen").classList.add("d-none");
    $("visits-screen").classList.remove("d-none");
    renderVisits();
  }

  function renderStart() {
    var draft = state.draft;
    var status = $("start-status");
    $("start").classList.toggle("d-none", !!draft.startedAt);
    $("checklist-form").classList.toggle("d-none", !draft.startedAt);
    if (!draft.startedAt) { status.textContent = ""; return; }
    var text = t("started_at", { time: clock(draft.startedAt) }) + " ";
    text += draft.startPosition
      ? t("position_ok", { metres: Math.round(draft.startPosition.accuracy_m || 0) })
      : t("position_none");
    status.textContent = text;
    status.className = "small mb-0 mt-2 " + (draft.startPosition ? "text-success" : "text-warning-emphasis");
  }

  function start() {
    $("start").disabled = true;
    $("start-status").textContent = t("locating");
    var startedAt = new Date().toISOString();
    locate().then(function (position) {
      state.draft.startedAt = startedAt;
      state.draft.startPosition = position;
      $("start").disabled = false;
      state.drafts[state.draft.visit] = true;
      renderStart();
      return saveDraft();
    });
  }

  function itemOf(code) {
    if (!state.draft.items[code]) { state.draft.items[code] = { result: null, value: "", note: "", photos: [] }; }
    return state.draft.items[code];
  }

  function breaksLimit(standard, text) {
    if (standard.limit === null || text === "" || isNaN(Number(text))) { return false; }
    var value = Number(text), limit = Number(standard.limit);
    return standard.limit_is_maximum ? value > limit : value < limit;
  }

  function renderItem(standard) {
    var entry = itemOf(standard.code);
    var name = "result-" + standard.code;
    var beyond = breaksLimit(standard, entry.value);
    if (beyond) { entry.result = "fail"; }
    var card = el("fieldset", { className: "card check-item", "data-standard": standard.code });
    var body = el("div", { className: "card-body" });
    card.appendChild(body);
    body.appendChild(el("legend", { className: "h6 mb-1 float-none", text: standard.code + " " + standard.name }));
    body.appendChild(el("div", { className: "small text-muted", text: t("target", { target: standard.target }) }));
    if (standard.limit !== null) {
      body.appendChild(el("div", {
        className: "small text-muted",
        text: t(standard.limit_is_maximum ? "limit_max" : "limit_min", { limit: standard.limit, unit: standard.unit })
      }));
    }
    var group = el("div", { className: "btn-group w-100 mt-2", role: "group" });
    ["pass", "fail", "not_inspected"].forEach(function (result) {
      var id = name + "-" + result;
      group.appendChild(el("input", {
        type: "radio", className: "btn-check", name: name, id: id, value: result, autocomplete: "off",
        checked: entry.result === result, disabled: beyond && result !== "fail",
        onchange: function () { entry.result = result; saveDraft(); renderChecklist(); }
      }));
      var style = result === "pass" ? "btn-outline-success" : result === "fail" ? "btn-outline-danger" : "btn-outline-secondary";
      group.appendChild(el("label", { className: "btn " + style, "for": id, text: t(result) }));
    });
    body.appendChild(group);

    if (standard.unit || standard.limit !== null) {
      var valueId = "value-" + standard.code;
      body.appendChild(el("label", { className: "form-label small mt-2 mb-1", "for": valueId, text: t("measured_value") + (standard.unit ? " (" + standard.unit + ")" : "") }));
      var input = el("input", {
        type: "number", step: "any", inputmode: "decimal", id: valueId, className: "form-control",
        value: entry.value,
        disabled: entry.result === "not_inspected",
        onchange: function () { entry.value = input.value.trim(); saveDraft(); renderChecklist(); }
      });
      body.appendChild(input);
      if (beyond) { body.appendChild(el("div", { className: "small text-danger mt-1", text: t("beyond_limit") })); }
    }

    if (entry.result === "fail") {
      var noteId = "note-" + standard.code;
      body.appendChild(el("label", { className: "form-label small mt-2 mb-1", "for": noteId, text: t("note") }));
      var note = el("textarea", { id: noteId, className: "form-control", rows: "2", maxlength: "2000" });
      note.value = entry.note;
      note.addEventListener("change", function () { entry.note = note.value; saveDraft(); });
      body.appendChild(note);

      var photoId = "photo-" + standard.code;
      var camera = el("input", {
        type: "file", accept: "image/*", capture: "environment", id: photoId, className: "form-control mt-2",
        "aria-label": t("take_photo"), "data-photo-input": standard.code,
        onchange: function () { addPhotos(entry, camera.files); }
      });
      body.appendChild(el("label", { className: "form-label small mt-2 mb-0", "for": photoId, text: t("take_photo") }));
      body.appendChild(camera);
      var thumbs = el("div", { className: "photo-thumbs mt-2" });
      entry.photos.forEach(function (photo, index) {
        var src = URL.createObjectURL(new Blob([photo.data], { type: photo.type }));
        thumbs.appendChild(el("figure", {}, [
          el("img", { src: src, alt: t("photo_count", { count: index + 1 }) }),
          el("button", {
            type: "button", className: "btn btn-danger btn-sm", "aria-label": t("remove_photo"), text: "×",
            onclick: function () { entry.photos.splice(index, 1); saveDraft(); renderChecklist(); }
          })
        ]));
      });
      body.appendChild(thumbs);
      body.appendChild(el("div", { className: "small text-muted", text: t("photo_count", { count: entry.photos.length }) }));
    }
    var problem = entry.problem ? el("div", { className: "small text-danger mt-2", role: "alert", text: entry.problem }) : null;
    if (problem) { body.appendChild(problem); card.classList.add("is-invalid"); }
    return card;
  }

  function addPhotos(entry, files) {
    var reads = Array.prototype.map.call(files, function (file) {
      return file.arrayBuffer().then(function (data) {
        return { id: newUuid(), name: file.name || "photo.jpg", type: file.type || "image/jpeg", data: data, takenAt: new Date().toISOString() };
      });
    });
    Promise.all(reads).then(function (photos) {
      photos.forEach(function (photo) { entry.photos.push(photo); });
      entry.problem = "";
      return saveDraft();
    }).then(renderChecklist);
  }

  function renderChecklist() {
    var box = $("checklist");
    box.textContent = "";
    state.current.checklist.forEach(function (standard) { box.appendChild(renderItem(standard)); });
  }

  function renderInspection() {
    var visit = state.current;
    $("inspection-heading").textContent = visit.zone.code + " " + visit.zone.name;
    $("inspection-meta").textContent = visit.zone.park + " · " + visit.zone.kind_label + " · " +
      t("window", { start: dayTime(visit.window_start), end: clock(visit.window_end) });
    $("form-error").classList.add("d-none");
    renderStart();
    renderChecklist();
  }

  function validate() {
    var ok = true;
    state.current.checklist.forEach(function (standard) {
      var entry = itemOf(standard.code);
      entry.problem = "";
      if (!entry.result) { entry.problem = t("choose_result"); }
      else if (entry.value !== "" && entry.result !== "not_inspected" && isNaN(Number(entry.value))) { entry.problem = t("bad_value"); }
      else if (entry.result === "fail" && !entry.photos.length) { entry.problem = t("photo_needed"); }
      if (entry.problem) { ok = false; }
    });
    return ok;
  }

  function submit(event) {
    event.preventDefault();
    if (!validate()) {
      renderChecklist();
      $("form-error").textContent = t("fix_items");
      $("form-error").classList.remove("d-none");
      return;
    }
    $("submit").disabled = true;
    var visit = state.current, draft = state.draft;
    var finishedAt = new Date().toISOString();
    locate().then(function (finishPosition) {
      var submissionId = newUuid();
      var zoneLabel = visit.zone.code + " " + visit.zone.name;
      var findings = [], photos = [];
      visit.checklist.forEach(function (standard) {
        var entry = itemOf(standard.code);
        var finding = {
          uuid: newUuid(),
          standard: standard.code,
          result: entry.result,
          measured_value: entry.result !== "not_inspected" && entry.value !== "" ? entry.value : null,
          note: entry.result === "fail" ? entry.note : "",
          photos: entry.result === "fail" ? entry.photos.map(function (photo) { return photo.id; }) : []
        };
        findings.push(finding);
        if (entry.result === "fail") {
          entry.photos.forEach(function (photo) {
            photos.push({
              id: photo.id, kind: "photo", visit: visit.uuid, submission: submissionId,
              finding: finding.uuid, standard: standard.code, zoneLabel: zoneLabel,
              name: photo.name, type: photo.type, data: photo.data, takenAt: photo.takenAt,
              state: "waiting", attempts: 0, created: new Date().toISOString()
            });
          });
        }
      });
      var submission = {
        id: submissionId, kind: "submission", visit: visit.uuid, zoneLabel: zoneLabel,
        state: "waiting", attempts: 0, created: new Date().toISOString(),
        body: {
          expected_version: draft.version,
          started_at: draft.startedAt,
          start_position: draft.startPosition,
          finished_at: finishedAt,
          finish_position: finishPosition,
          findings: findings
        }
      };
      // The submission, its photos and the end of the draft: all or nothing.
      return transact(["outbox", "drafts"], "readwrite", function (stores) {
        stores.outbox.put(submission);
        photos.forEach(function (photo) { stores.outbox.put(photo); });
        stores.drafts.delete(visit.uuid);
      });
    }).then(function () {
      $("submit").disabled = false;
      closeVisit();
      showBanner(t("queued"));
      return loadOutbox();
    }).then(function () {
      state.failures = 0;
      return flush();
    }).catch(function () {
      $("submit").disabled = false;
      $("form-error").textContent = t("storage_failed");
      $("form-error").classList.remove("d-none");
    });
  }

  // ---- Start-up --------------------------------------------------------------------------------

  function forgetOtherUsersCache() {
    // The service worker's copy of API answers is per browser, not per person.
    try {
      if (localStorage.getItem("parkpact-field-user") !== config.user && window.caches) {
        caches.delete("parkpact-field-api");
      }
      localStorage.setItem("parkpact-field-user", config.user);
    } catch (error) { /* private mode: nothing to forget */ }
  }

  function init() {
    forgetOtherUsersCache();
    renderNetwork();
    $("refresh").addEventListener("click", function () { loadVisits(); flush(); });
    $("send-now").addEventListener("click", function () { state.failures = 0; flush(); });
    $("back").addEventListener("click", closeVisit);
    $("start").addEventListener("click", start);
    $("checklist-form").addEventListener("submit", submit);
    document.querySelectorAll("[data-view]").forEach(function (button) {
      button.addEventListener("click", function () { showView(button.dataset.view); });
    });
    window.addEventListener("online", function () {
      renderNetwork();
      state.failures = 0;
      flush().then(function () { return state.current ? null : loadVisits(); });
    });
    window.addEventListener("offline", function () { renderNetwork(); renderCounter(); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") { flush(); }
    });
    setInterval(function () { if (waitingVisits() && !state.retryTimer) { flush(); } }, PERIODIC_MS);

    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(config.urls.serviceWorker, { scope: config.urls.app })
        .catch(function () { /* the app still works online without it */ });
    }
    loadOutbox().then(loadVisits).then(flush);
  }

  init();
})();
