/*
 * Zone maps: a park's zones as coloured polygons and its facilities as circles, drawn with
 * Leaflet over a plain background (no tile server: nothing leaves the centre's network).
 *
 * <div data-zone-map="ID"> reads its data from <script id="ID" type="application/json">,
 * written by Django's json_script: {zones: GeoJSON FeatureCollection, facilities: [...]}.
 * Every label arrives already translated and formatted; tooltips are built with textContent,
 * so a zone's name can never inject markup.
 *
 * Optional attributes:
 *   data-preview-input="ID"   draw the GeoJSON polygon typed into that textarea, dashed
 *   data-pick-longitude="ID" data-pick-latitude="ID"   a click on the map fills those inputs
 */
(function () {
  "use strict";

  function tooltip(lines) {
    var box = document.createElement("div");
    lines.forEach(function (line, index) {
      if (!line) { return; }
      var row = document.createElement(index === 0 ? "strong" : "div");
      row.textContent = line;
      box.appendChild(row);
    });
    return box;
  }

  function drawZones(map, data) {
    return L.geoJSON(data.zones, {
      style: function (feature) {
        var colour = feature.properties.colour;
        return { color: colour, weight: 2, fillColor: colour, fillOpacity: 0.45 };
      },
      onEachFeature: function (feature, layer) {
        var p = feature.properties;
        layer.bindTooltip(tooltip([p.title, p.kind, p.area]), { sticky: true });
        layer.on("mouseover", function () { layer.setStyle({ fillOpacity: 0.7 }); });
        layer.on("mouseout", function () { layer.setStyle({ fillOpacity: 0.45 }); });
      }
    }).addTo(map);
  }

  function drawFacilities(map, data) {
    var group = L.featureGroup();
    (data.facilities || []).forEach(function (f) {
      L.circleMarker([f.latitude, f.longitude], {
        radius: 6, weight: 2, color: "#212529",
        fillColor: f.in_service ? "#ffffff" : "#ffc107", fillOpacity: 1
      }).bindTooltip(tooltip([f.title, f.kind, f.zone])).addTo(group);
    });
    return group.addTo(map);
  }

  function fit(map, layers) {
    var bounds = L.latLngBounds([]);
    layers.forEach(function (layer) {
      if (layer && layer.getLayers().length) { bounds.extend(layer.getBounds()); }
    });
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 19 });
      return true;
    }
    return false;
  }

  function previewBoundary(map, input, fixedLayers) {
    var preview = null;
    function redraw() {
      if (preview) { map.removeLayer(preview); preview = null; }
      var geometry;
      try { geometry = JSON.parse(input.value); } catch (e) { return; }
      if (!geometry || geometry.type !== "Polygon") { return; }
      try {
        preview = L.geoJSON(geometry, {
          style: { color: "#dc3545", weight: 2, dashArray: "6 4", fillOpacity: 0.15 }
        }).addTo(map);
      } catch (e) { preview = null; return; }
      fit(map, fixedLayers.concat([preview]));
    }
    input.addEventListener("input", redraw);
    redraw();
  }

  function pickPosition(map, longitudeInput, latitudeInput) {
    var marker = null;
    function place(latlng) {
      if (marker) { marker.setLatLng(latlng); } else {
        marker = L.circleMarker(latlng, {
          radius: 7, weight: 2, color: "#dc3545", fillColor: "#ffffff", fillOpacity: 1
        }).addTo(map);
      }
    }
    var lon = parseFloat(longitudeInput.value), lat = parseFloat(latitudeInput.value);
    if (!isNaN(lon) && !isNaN(lat)) { place(L.latLng(lat, lon)); }
    map.on("click", function (event) {
      longitudeInput.value = event.latlng.lng.toFixed(6);
      latitudeInput.value = event.latlng.lat.toFixed(6);
      place(event.latlng);
    });
  }

  function draw(container) {
    var source = document.getElementById(container.dataset.zoneMap);
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var map = L.map(container, { attributionControl: false, zoomSnap: 0.25, maxZoom: 21 });
    var zones = drawZones(map, data);
    var facilities = drawFacilities(map, data);
    if (!fit(map, [zones, facilities])) { map.setView([0, 0], 2); }

    var previewInput = document.getElementById(container.dataset.previewInput || "");
    if (previewInput) { previewBoundary(map, previewInput, [zones, facilities]); }

    var longitudeInput = document.getElementById(container.dataset.pickLongitude || "");
    var latitudeInput = document.getElementById(container.dataset.pickLatitude || "");
    if (longitudeInput && latitudeInput) { pickPosition(map, longitudeInput, latitudeInput); }
  }

  document.querySelectorAll("[data-zone-map]").forEach(draw);
})();
