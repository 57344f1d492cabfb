// A contract's months: what the centre paid, its total cost and the in-house comparator (bars
// and lines, CNY), and the score (right axis). Months without an approved certificate are gaps.
(function () {
  "use strict";
  var element = document.getElementById("value-chart");
  var source = document.getElementById("value-data");
  if (!element || !source || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  var chart = window.echarts.init(element);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 72, right: 48, top: 36, bottom: 28 },
    xAxis: { type: "category", data: data.months },
    yAxis: [
      { type: "value", name: "CNY", min: function (v) { return Math.max(0, Math.floor(v.min * 0.8 / 1000) * 1000); } },
      { type: "value", name: data.names.score, min: function (v) { return Math.max(0, Math.floor(v.min / 10) * 10 - 10); }, max: 100, splitLine: { show: false } }
    ],
    series: [
      { name: data.names.paid, type: "bar", data: data.paid, itemStyle: { color: "#0d6efd" } },
      { name: data.names.total, type: "line", data: data.total, connectNulls: false, symbolSize: 6, itemStyle: { color: "#6f42c1" } },
      { name: data.names.in_house, type: "line", data: data.in_house, connectNulls: false, symbolSize: 6, lineStyle: { type: "dashed" }, itemStyle: { color: "#dc3545" } },
      { name: data.names.score, type: "line", yAxisIndex: 1, data: data.score, connectNulls: false, symbolSize: 6, itemStyle: { color: "#198754" } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
