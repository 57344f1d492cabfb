// Expected penalty against saving, one pair of bars per row of the deterrence table.
(function () {
  "use strict";
  var element = document.getElementById("deterrence-chart");
  var source = document.getElementById("deterrence-data");
  if (!element || !source || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  var chart = window.echarts.init(element);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 56, right: 16, top: 32, bottom: 72 },
    xAxis: { type: "category", data: data.labels, axisLabel: { rotate: 45, fontSize: 10 } },
    yAxis: { type: "value", name: "CNY" },
    series: [
      { name: data.names.expected, type: "bar", data: data.expected, itemStyle: { color: "#198754" } },
      { name: data.names.saving, type: "bar", data: data.saving, itemStyle: { color: "#dc3545" } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
