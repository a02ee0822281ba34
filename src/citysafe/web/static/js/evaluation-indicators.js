// 城市安全状况指标: one line per rate, from the table the page was rendered with (no second request).
(function () {
  const data = JSON.parse(document.getElementById("indicators-data").textContent);
  const charts = [];
  document.querySelectorAll(".ev-charts .chart").forEach((el) => {
    const name = el.dataset.rate;
    const points = data.years.map((y) => {
      const rate = y.rates.find((r) => r.name === name);
      return [String(y.year), rate ? rate.value : null];
    });
    const verdict = data.verdicts.find((v) => v.name === name);
    const chart = echarts.init(el);
    chart.setOption({
      title: { text: gettext(verdict.label), left: "center", textStyle: { fontSize: 12 } },
      tooltip: { trigger: "axis" },
      grid: { left: 50, right: 20, top: 36, bottom: 28 },
      xAxis: { type: "category", data: points.map((p) => p[0]) },
      yAxis: { type: "value" },
      series: [
        { type: "line", data: points.map((p) => p[1]), connectNulls: false, itemStyle: { color: "#1f4e79" } },
        { type: "line", data: points.map(() => verdict.target), symbol: "none",
          lineStyle: { type: "dashed", color: "#b91c1c" }, name: gettext("对标值") },
      ],
    });
    charts.push(chart);
  });
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
})();
