// Four-colour risk map: city → district → street → source drill-down over /api/v1/risk/map.
// Region boundaries are the base layer (no basemap needed); a tile URL can be configured.
(function () {
  "use strict";
  const el = document.getElementById("map");
  const map = L.map(el, { zoomSnap: 0.25, preferCanvas: true });
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "" }).addTo(map);
  }
  const COLOURS = { red: "#e02424", orange: "#f28c28", yellow: "#f5d32c", blue: "#2f6fde" };
  const NONE = "#d9dde3";
  function $id(id) { return document.getElementById(id); }
  const NAMES = { red: gettext("重大风险"), orange: gettext("较大风险"), yellow: gettext("一般风险"), blue: gettext("低风险") };
  const RANK = { red: 4, orange: 3, yellow: 2, blue: 1 };
  // Assessment methods by name (风险矩阵法), as the registry names them; the page passes them as data.
  const METHOD_NAMES = JSON.parse($id("risk-method-names").textContent);
  const $ = (id) => document.getElementById(id);
  const state = { code: el.dataset.start, unit: null, kinds: {} };
  let unitLayer = null, sourceLayer = null, outlineLayer = null;

  const esc = (s) => String(s == null ? "" : s).replace(/[&<>"']/g, (c) =>
    ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const badge = (level) => level ? `<span class="lv lv-${level}">${NAMES[level]}</span>` : `<span class="lv lv-none">${gettext("未评估")}</span>`;

  async function getJSON(url) {
    const r = await fetch(url, { credentials: "same-origin" });
    const body = await r.json().catch(() => ({}));
    if (!r.ok) { const e = new Error(body.detail_zh || body.detail || r.status); e.status = r.status; throw e; }
    return body;
  }

  function params(extra) {
    const p = new URLSearchParams(extra);
    document.querySelectorAll("#categories input:checked").forEach((i) => p.append("category", i.value));
    return p;
  }

  // The legend states the rule the map was drawn by and the range of each colour under it.
  const legend = L.control({ position: "bottomright" });
  legend.onAdd = () => L.DomUtil.create("div", "legend");
  legend.addTo(map);

  function ruleLegend(statement) {
    const div = legend.getContainer();
    const unit = statement && statement.index_unit_zh ? ` ${statement.index_unit_zh}` : "";
    const rows = statement ? statement.breaks.map((b) =>
      `<i style="background:${COLOURS[b.level]}"></i>${NAMES[b.level]} <span class="range">${esc(b.range_zh)}${esc(unit)}</span>`)
      : Object.keys(COLOURS).map((k) => `<i style="background:${COLOURS[k]}"></i>${NAMES[k]}`);
    div.innerHTML = `<b>${statement ? gettext("汇总规则：%(rule)s", { rule: esc(gettext(statement.name_zh)) }) : gettext("风险等级")}</b><br>` + rows.join("<br>") +
      `<br><i style="background:${NONE}"></i>${gettext("无风险源")}` +
      (statement ? `<div class="basis" lang="zh">${gettext("依据：%(basis)s", { basis: esc(statement.basis_zh) })}</div>` : "");
    $("rule-statement").innerHTML = statement ?
      `<b>${esc(statement.name_zh)}</b>：${esc(statement.description_zh)}` : "";
  }
  ruleLegend(null);

  function indexText(p, rule) {
    if (p.index == null) return "";
    if (rule === "density") return "<br>" + gettext("风险密度 %(index)s 分/km²（面积 %(area)s）", { index: p.index.toFixed(2), area: p.area_km2 != null ? p.area_km2.toFixed(0) + " km²" : "—" });
    if (rule === "share") return "<br>" + gettext("重大及较大风险源占比 %(share)s%%", { share: (p.index * 100).toFixed(1) });
    return "<br>" + gettext("综合指数 %(index)s", { index: p.index.toFixed(2) });
  }

  function setTotals(t) {
    document.querySelectorAll("#totals b").forEach((b) => { b.textContent = t ? t[b.dataset.level] : "–"; });
  }

  function crumbs(region) {
    const nav = $("crumbs");
    nav.innerHTML = "";
    for (const p of region.path.concat([region])) {
      const a = document.createElement("a");
      a.textContent = p.name; a.href = urlFor(p.code);
      a.onclick = (e) => { e.preventDefault(); go(p.code); };
      nav.appendChild(a);
    }
  }

  // Each drill-down is a history entry (?code=…), so Back and Forward walk the regions visited.
  function urlFor(code) {
    const url = new URL(window.location.href);
    if (code === el.dataset.home) url.searchParams.delete("code"); else url.searchParams.set("code", code);
    return url.pathname + url.search;
  }
  function go(code) {
    if (code !== state.code) history.pushState({ code }, "", urlFor(code));
    show(code).catch(fail);
  }
  window.addEventListener("popstate", (e) => {
    const code = (e.state && e.state.code) || new URL(window.location.href).searchParams.get("code") || el.dataset.home;
    show(code).catch(fail);
  });

  function defaultUnit(level) {
    if (level === "province" || level === "city") return "district";
    if (level === "district") return "street";
    return null; // a street or community: its sources
  }

  function clearLayers() {
    for (const layer of [unitLayer, sourceLayer, outlineLayer]) if (layer) map.removeLayer(layer);
    unitLayer = sourceLayer = outlineLayer = null;
  }

  function unitTooltip(p, rule) {
    const c = p.counts || {};
    return `<b>${esc(p.name || p.code)}</b> ${badge(p.level)}<br>` + gettext("重大 %(red)s · 较大 %(orange)s · 一般 %(yellow)s · 低 %(blue)s",
      { red: c.red || 0, orange: c.orange || 0, yellow: c.yellow || 0, blue: c.blue || 0 }) + indexText(p, rule);
  }

  function listUnits(features, unit) {
    const ul = $("units");
    ul.innerHTML = "";
    $("list-title").textContent = unit === "h3" ? gettext("高风险网格") : gettext("下级区域（按风险等级排序）");
    const sorted = features.slice().sort((a, b) => (RANK[b.properties.level] || 0) - (RANK[a.properties.level] || 0)
      || (b.properties.index || 0) - (a.properties.index || 0) || b.properties.count_total - a.properties.count_total);
    for (const f of sorted.slice(0, unit === "h3" ? 30 : 300)) {
      const p = f.properties;
      const li = document.createElement("li");
      li.innerHTML = `<a href="#"><span>${esc(p.name || p.code)}</span><span>${badge(p.level)} <small class="count" title="${gettext("该区域登记的风险源总数")}">${gettext("风险源 %(count)s", { count: p.count_total })}</small></span></a>`;
      li.querySelector("a").onclick = (e) => { e.preventDefault(); drill(f, unit); };
      ul.appendChild(li);
    }
  }

  function drill(feature, unit) {
    if (unit === "h3") { map.fitBounds(L.geoJSON(feature).getBounds(), { maxZoom: 15, animate: false }); return; }
    go(feature.properties.code);
  }

  async function showUnits(region) {
    const unitSelect = $("unit");
    let unit = state.unit || unitSelect.value;
    const rule = $("rule").value;
    const query = { region: region.code, unit, rule: $("rule").value, basis: $("basis").value };
    if (unit === "h3") query.res = $("res").value;
    let data;
    const notes = [];
    try {
      data = await getJSON("/api/v1/risk/map?" + params(query));
    } catch (e) {
      if (e.status !== 422 || unit === "h3") throw e;
      notes.push(gettext("%(error)s；已改用 H3 网格显示。", { error: e.message }));
      unit = "h3";
      data = await getJSON("/api/v1/risk/map?" + params({ ...query, unit: "h3", res: $("res").value }));
    }
    unitSelect.value = unit;
    clearLayers();
    unitLayer = L.geoJSON(data, {
      style: (f) => ({ color: "#ffffff", weight: unit === "h3" ? 0.6 : 1.2, fillOpacity: 0.78,
                        fillColor: COLOURS[f.properties.level] || NONE }),
      onEachFeature: (f, layer) => {
        if (unit === "district" && f.properties.name) {
          layer.bindTooltip(esc(f.properties.name), { permanent: true, direction: "center", className: "unit-label" });
          layer.bindPopup(unitTooltip(f.properties, rule));
          layer.on("mouseover", () => layer.openPopup());
        } else {
          layer.bindTooltip(unitTooltip(f.properties, rule), { sticky: true });
        }
        layer.on("click", () => drill(f, unit));
      },
    }).addTo(map);
    if (unit !== "district" && (region.level === "city" || region.level === "province")) {
      // District borders over streets or cells keep the city readable.
      const own = await getJSON(`/api/v1/regions/${region.code}/children/boundaries`).catch(() => null);
      if (own && own.features.length) {
        outlineLayer = L.geoJSON(own, { style: { color: "#1f2937", weight: 1.6, fill: false }, interactive: false }).addTo(map);
      }
    }
    setTotals(data.totals);
    notes.push(...data.notes);
    ruleLegend(data.aggregation.rule_statement);
    $("notes").innerHTML = notes.map((n) => `<div class="note">${esc(n)}</div>`).join("");
    $("region-meta").textContent = gettext("风险源 %(count)s 处", { count: data.totals.total }) +
      (data.totals.unassessed ? " · " + gettext("未评估 %(count)s", { count: data.totals.unassessed }) : "");
    listUnits(data.features, unit);
    const bounds = unitLayer.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [12, 12], animate: false });
    else if (region.bbox) map.fitBounds([[region.bbox[1], region.bbox[0]], [region.bbox[3], region.bbox[2]]], { animate: false });
    if ($("show-sources").checked) await showSources(region, false);
    el.dataset.loaded = `${region.code}:${unit}`;
  }

  async function showSources(region, asList) {
    const data = await getJSON("/api/v1/risk/sources.geojson?" + params({ region: region.code, limit: 5000 }));
    const order = (f) => RANK[f.properties.level] || 0;
    data.features.sort((a, b) => order(a) - order(b));
    if (sourceLayer) map.removeLayer(sourceLayer);
    sourceLayer = L.geoJSON(data, {
      pointToLayer: (f, latlng) => L.circleMarker(latlng, {
        radius: f.properties.level === "red" ? 6 : 4, weight: f.properties.raised ? 3 : 1,
        color: f.properties.raised ? "#111827" : "#ffffff", fillOpacity: 0.95,
        fillColor: COLOURS[f.properties.level] || NONE }),
      onEachFeature: (f, layer) => {
        layer.bindTooltip(`${esc(f.properties.name)} ${badge(f.properties.level)}`);
        layer.on("click", () => detail(f.properties.id));
      },
    }).addTo(map);
    if (!asList) return;
    const ul = $("units");
    ul.innerHTML = "";
    $("list-title").textContent = gettext("风险源（%(count)s）", { count: data.features.length + (data.truncated ? "+" : "") });
    for (const f of data.features.slice().reverse().slice(0, 400)) {
      const p = f.properties;
      const li = document.createElement("li");
      li.innerHTML = `<a href="#" data-source="${p.id}"><span>${esc(p.name)}<br><small>${esc(p.kind_zh)}</small></span>${badge(p.level)}</a>`;
      li.querySelector("a").onclick = (e) => { e.preventDefault(); detail(p.id); };
      ul.appendChild(li);
    }
  }

  async function showStreet(region) {
    clearLayers();
    ruleLegend(null); // sources are drawn by their own level here, no aggregation rule applies
    const own = await getJSON(`/api/v1/regions/${region.code}/boundary`).catch(() => null);
    if (own) outlineLayer = L.geoJSON(own, { style: { color: "#1f2937", weight: 2, fillOpacity: 0.06 } }).addTo(map);
    const data = await getJSON("/api/v1/risk/map?" + params({ region: region.code, unit: "street",
      rule: $("rule").value, basis: $("basis").value })).catch(() => null);
    setTotals(data && data.totals);
    $("notes").innerHTML = data ? data.notes.map((n) => `<div class="note">${esc(n)}</div>`).join("") : "";
    $("region-meta").textContent = data ? gettext("风险源 %(count)s 处", { count: data.totals.total }) : "";
    await showSources(region, true);
    const bounds = outlineLayer ? outlineLayer.getBounds() : sourceLayer.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [12, 12], animate: false });
    el.dataset.loaded = `${region.code}:sources`;
  }

  async function detail(id) {
    const box = $("detail");
    box.classList.add("open");
    box.innerHTML = gettext("加载中…");
    const s = await getJSON(`/api/v1/risk/sources/${id}`);
    const kind = state.kinds[s.kind] || {};
    const reasons = s.level_reasons.map((r) => `<li>${esc(r.reason_zh)}</li>`).join("");
    const rows = s.assessments.slice(0, 8).map((a) => `<tr><td>${esc(a.assessed_at.slice(0, 10))}</td>` +
      `<td>${esc(gettext(METHOD_NAMES[a.method] || a.method))}</td><td>${resultText(a)}</td>` +
      `<td>${badge(a.level)}</td><td>${esc(a.assessor_name)}</td></tr>`).join("");
    box.innerHTML = `<button class="secondary" style="float:right" id="detail-close">${gettext("关闭")}</button>` +
      `<h3 id="detail-name">${esc(s.name)}</h3><p class="muted" style="margin:0 0 .4rem">${esc(s.code)} · ${esc(kind.name_zh || s.kind)}</p>` +
      `<dl class="kv"><dt>${gettext("当前等级")}</dt><dd id="detail-level">${badge(s.current_level)}</dd><dt>${gettext("评定等级")}</dt><dd>${badge(s.assessed_level)}</dd>` +
      `<dt>${gettext("所在区划")}</dt><dd lang="zh">${s.region_path.map((p) => esc(p.name)).join(" / ")}</dd>` +
      `<dt>${gettext("责任单位")}</dt><dd lang="zh">${esc(s.responsible_unit)}</dd><dt>${gettext("监管部门")}</dt><dd lang="zh">${esc(s.supervising_department)}</dd></dl>` +
      (reasons ? `<p style="margin:.5rem 0 .2rem"><b>${gettext("动态调整原因")}</b></p><ul class="reasons" id="detail-reasons">${reasons}</ul>` : "") +
      `<p style="margin:.5rem 0 .2rem"><b>${gettext("评估记录")}</b></p><table><tr><th>${gettext("日期")}</th><th>${gettext("方法")}</th><th>${gettext("结果")}</th><th>${gettext("等级")}</th><th>${gettext("评估人")}</th></tr>${rows}</table>` +
      `<p><a href="/risk/sources/${s.id}">${gettext("查看详情、重新评估 ›")}</a></p>`;
    $("detail-close").onclick = () => box.classList.remove("open");
  }

  function resultText(a) {
    const r = a.result || {};
    if (a.method === "lec") return `D=${r.d}`;
    if (a.method === "matrix") return `R=${r.r}`;
    if (a.method === "gb18218") return r.grade ? `${r.grade_name}，R=${Number(r.r).toFixed(1)}` : `S=${Number(r.s).toFixed(2)}`;
    return esc((a.inputs || {}).basis || "");
  }

  async function show(code) {
    state.code = code;
    el.dataset.loaded = "";
    const region = await getJSON(`/api/v1/regions/${code}`);
    $("region-name").textContent = region.name;
    crumbs(region);
    $("detail").classList.remove("open");
    const unit = defaultUnit(region.level);
    if (unit === null) { await showStreet(region); return; }
    state.unit = null;
    $("unit").value = unit;
    await showUnits(region);
  }

  function refresh() {
    state.unit = $("unit").value;
    getJSON(`/api/v1/regions/${state.code}`).then((region) =>
      defaultUnit(region.level) === null ? showStreet(region) : showUnits(region)).catch(fail);
  }
  function fail(e) { $("region-meta").textContent = gettext("加载失败：") + e.message; }

  for (const id of ["unit", "rule", "basis", "res", "show-sources"]) $(id).addEventListener("change", refresh);
  $("categories").addEventListener("change", refresh);
  getJSON("/api/v1/risk/categories").then((c) => { for (const k of c.kinds) state.kinds[k.code] = k; }).catch(() => {});
  history.replaceState({ code: state.code }, "", urlFor(state.code));
  show(state.code).catch(fail);
})();
