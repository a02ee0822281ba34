// Statistics charts from the numbers the page was rendered with (no second request).
(function () {
  const data = JSON.parse(document.getElementById("stats-data").textContent);
  const bar = echarts.init(document.getElementById("by-category"));
  bar.setOption({
    title: { text: gettext("按类别"), left: "center", textStyle: { fontSize: 14 } },
    tooltip: {}, grid: { left: 110, right: 20, top: 40, bottom: 20 },
    xAxis: { type: "value" },
    yAxis: { type: "category", data: data.by_category.map((c) => gettext(c.name)).reverse() },
    series: [{ type: "bar", data: data.by_category.map((c) => c.count).reverse(), itemStyle: { color: "#b91c1c" } }],
  });
  const pie = echarts.init(document.getElementById("by-state"));
  pie.setOption({
    title: { text: gettext("按状态"), left: "center", textStyle: { fontSize: 14 } },
    tooltip: { trigger: "item" },
    series: [{ type: "pie", radius: ["35%", "65%"], data: data.by_state.map((c) => ({ name: gettext(c.name), value: c.count })) }],
  });
  window.addEventListener("resize", () => { bar.resize(); pie.resize(); });
})();
