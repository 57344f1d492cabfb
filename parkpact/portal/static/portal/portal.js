/*
 * The public portal's charts (ECharts) and its map of reports (Leaflet, no tile server).
 *
 * <div data-chart="scores|inspections|heatmap" data-source="ID"> reads its data from
 * <script id="ID" type="application/json"> (Django's json_script). Labels arrive translated.
 * <div data-request-map="ID"> draws {zones: [{geometry, title, reports}], points: [...]}.
 * Tooltips are built with textContent, so a name can never inject markup.
 */
(function () {
  "use strict";

  function read(id) {
    var source = document.getElementById(id);
    return source ? JSON.parse(source.textContent) : null;
  }

  var charts = {
    scores: function (data) {
      return {
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 40, right: 16, top: 32, bottom: 28 },
        xAxis: { type: "category", data: data.months },
        yAxis: { type: "value", max: 100, min: function (v) { return Math.max(0, Math.floor(v.min / 10) * 10 - 10); } },
        series: data.series.map(function (s, index) {
          var line = { name: s.name, type: "line", data: s.data, symbolSize: 7 };
          if (index === 0) {
            line.markLine = {
              silent: true, symbol: "none", lineStyle: { type: "dashed", color: "#adb5bd" },
              data: [{ yAxis: 95 }, { yAxis: 90 }, { yAxis: 80 }, { yAxis: 70 }]
            };
          }
          return line;
        })
      };
    },
    inspections: function (data, element) {
      return {
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 40, right: 40, top: 32, bottom: 28 },
        xAxis: { type: "category", data: data.months },
        yAxis: [{ type: "value", minInterval: 1 }, { type: "value", min: 0, max: 100 }],
        series: [
          { name: element.dataset.labelInspections, type: "bar", data: data.inspections, itemStyle: { color: "#198754" } },
          { name: element.dataset.labelPassed, type: "line", yAxisIndex: 1, data: data.passed, symbolSize: 7 }
        ]
      };
    },
    heatmap: function (data) {
      return {
        tooltip: {
          formatter: function (p) {
            return data.weekdays[p.value[1]] + " " + data.hours[p.value[0]] + ":00 · " + p.value[2] + " " + data.label;
          }
        },
        grid: { left: 44, right: 8, top: 8, bottom: 64 },
        xAxis: { type: "category", data: data.hours, splitArea: { show: true } },
        yAxis: { type: "category", data: data.weekdays, inverse: true, splitArea: { show: true } },
        visualMap: {
          min: 0, max: Math.max(1, data.max), calculable: true, orient: "horizontal",
          left: "center", bottom: 0, itemHeight: 120, inRange: { color: ["#f1f8f4", "#198754", "#0b3d24"] }
        },
        series: [{ type: "heatmap", data: data.cells }]
      };
    }
  };

  function drawChart(element) {
    var data = read(element.dataset.source);
    var build = charts[element.dataset.chart];
    if (!data || !build || !window.echarts) { return; }
    var chart = window.echarts.init(element);
    chart.setOption(build(data, element));
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function tooltip(lines) {
    var box = document.createElement("div");
    lines.forEach(function (line, index) {
      var row = document.createElement(index === 0 ? "strong" : "div");
      row.textContent = line;
      box.appendChild(row);
    });
    return box;
  }

  function shade(count, max) {
    var share = max ? count / max : 0;
    return { color: "#0b3d24", weight: 1, fillColor: "#198754", fillOpacity: 0.15 + 0.7 * share };
  }

  function drawMap(element) {
    var data = read(element.dataset.requestMap);
    if (!data || !window.L) { return; }
    var label = element.dataset.labelReports || "";
    var map = L.map(element, { attributionControl: false, zoomSnap: 0.25, maxZoom: 21 });
    var max = 0;
    data.zones.forEach(function (z) { max = Math.max(max, z.reports); });
    data.points.forEach(function (p) { max = Math.max(max, p.reports); });
    var layers = L.featureGroup().addTo(map);
    data.zones.forEach(function (zone) {
      L.geoJSON(zone.geometry, { style: shade(zone.reports, max) })
        .bindTooltip(tooltip([zone.title, zone.reports + " " + label]), { sticky: true })
        .addTo(layers);
    });
    data.points.forEach(function (point) {
      L.circleMarker([point.latitude, point.longitude], {
        radius: 5 + 10 * (max ? point.reports / max : 0), weight: 1, color: "#0b3d24", fillColor: "#ffc107", fillOpacity: 0.8
      }).bindTooltip(tooltip([point.reports + " " + label])).addTo(layers);
    });
    if (layers.getLayers().length) {
      map.fitBounds(layers.getBounds(), { padding: [16, 16], maxZoom: 18 });
    } else {
      map.setView([24.93, 118.6], 13);
    }
  }

  document.querySelectorAll("[data-chart]").forEach(drawChart);
  document.querySelectorAll("[data-request-map]").forEach(drawMap);
})();
