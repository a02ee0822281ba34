// The accident ledger's charts, from the statistics the page was rendered with (no second request).
(function () {
  const data = JSON.parse(document.getElementById("ledger-data").textContent);
  const title = (text) => ({ text: text, left: "center", textStyle: { fontSize: 14 } });
  const empty = { text: gettext("暂无数据"), left: "center", top: "middle", textStyle: { color: "#94a3b8", fontSize: 13 } };
  const charts = [];

  const years = echarts.init(document.getElementById("by-year"));
  years.setOption({
    title: data.by_year.length ? title(gettext("按年份")) : [title(gettext("按年份")), empty],
    tooltip: { trigger: "axis" }, legend: { bottom: 0, data: [gettext("事故起数"), gettext("死亡人数")] },
    grid: { left: 40, right: 40, top: 40, bottom: 50 },
    xAxis: { type: "category", data: data.by_year.map((r) => String(r.key)) },
    yAxis: [{ type: "value", minInterval: 1 }, { type: "value", minInterval: 1 }],
    series: [
      { name: gettext("事故起数"), type: "bar", data: data.by_year.map((r) => r.accidents), itemStyle: { color: "#1f4e79" } },
      { name: gettext("死亡人数"), type: "line", yAxisIndex: 1, data: data.by_year.map((r) => r.deaths), itemStyle: { color: "#b91c1c" } },
    ],
  });
  charts.push(years);

  const grades = echarts.init(document.getElementById("by-grade"));
  const gradeColours = { especially_major: "#7f1d1d", major: "#dc2626", larger: "#f97316", general: "#0ea5e9" };
  grades.setOption({
    title: data.by_grade.length ? title(gettext("按事故等级")) : [title(gettext("按事故等级")), empty],
    tooltip: { trigger: "item" },
    series: [{ type: "pie", radius: ["35%", "62%"], top: 20,
      data: data.by_grade.map((r) => ({ name: gettext(r.name), value: r.accidents, itemStyle: { color: gradeColours[r.key] } })) }],
  });
  charts.push(grades);

  const sectors = echarts.init(document.getElementById("by-industry"));
  const rows = data.by_industry.slice().sort((a, b) => a.accidents - b.accidents);
  sectors.setOption({
    title: rows.length ? title(gettext("按行业门类")) : [title(gettext("按行业门类")), empty],
    tooltip: {}, grid: { left: 150, right: 20, top: 40, bottom: 20 },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: rows.map((r) => gettext(r.name)), axisLabel: { width: 140, overflow: "truncate" } },
    series: [{ type: "bar", data: rows.map((r) => r.accidents), itemStyle: { color: "#b91c1c" } }],
  });
  charts.push(sectors);
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
})();
