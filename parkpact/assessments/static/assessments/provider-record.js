// The provider's monthly scores, one line per contract, over the rating bands.
(function () {
  "use strict";
  var element = document.getElementById("provider-record-chart");
  var source = document.getElementById("provider-record-data");
  if (!element || !source || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  var chart = window.echarts.init(element);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 40, right: 16, top: 32, bottom: 28 },
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", min: function (v) { return Math.max(0, Math.floor(v.min / 10) * 10 - 10); }, max: 100 },
    series: data.series.map(function (s, index) {
      var line = { name: s.name, type: "line", connectNulls: false, data: s.data, symbolSize: 7 };
      if (index === 0) {
        line.markLine = {
          silent: true, symbol: "none", lineStyle: { type: "dashed", color: "#adb5bd" },
          data: [{ yAxis: 95 }, { yAxis: 90 }, { yAxis: 80 }, { yAxis: 70 }]
        };
      }
      return line;
    })
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
