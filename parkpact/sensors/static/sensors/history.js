// The history chart on a device's page: one line per quantity, from the JSON in the page.
(function () {
  "use strict";
  var element = document.getElementById("sensor-history");
  var data = JSON.parse(document.getElementById("sensor-history-data").textContent);
  if (!element || typeof echarts === "undefined") return;
  if (!data.series.length) {
    element.textContent = data.empty;
    element.style.height = "auto";
    return;
  }
  var chart = echarts.init(element);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: {},
    xAxis: { type: "time" },
    yAxis: { type: "value" },
    series: data.series.map(function (s) {
      return { name: s.name, type: "line", showSymbol: false, data: s.data };
    }),
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
