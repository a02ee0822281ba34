// Region map: boundaries are the base layer (no basemap needed); click a region to drill down.
(function () {
  const el = document.getElementById("map");
  const map = L.map(el, { zoomSnap: 0.25, preferCanvas: true });
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "" }).addTo(map);
  }
  const palette = ["#3b82f6", "#10b981", "#f59e0b", "#8b5cf6", "#ef4444", "#14b8a6", "#6366f1", "#84cc16"];
  let layer = null;

  async function getJSON(url) {
    const r = await fetch(url, { credentials: "same-origin" });
    if (!r.ok) throw new Error(url + " → " + r.status);
    return r.json();
  }

  async function show(code) {
    const region = await getJSON(`/api/v1/regions/${code}`);
    document.getElementById("region-name").textContent = region.name;
    document.getElementById("region-meta").textContent = `${region.code} · ${gettext("下级 %(count)s 个", { count: region.children.length })}`;
    const crumbs = document.getElementById("crumbs");
    crumbs.innerHTML = "";
    for (const p of region.path.concat([region])) {
      const a = document.createElement("a");
      a.textContent = p.name; a.href = "#"; a.onclick = (e) => { e.preventDefault(); show(p.code); };
      crumbs.appendChild(a);
    }
    const list = document.getElementById("children");
    list.innerHTML = "";
    for (const c of region.children.slice(0, 300)) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.textContent = c.name; a.href = "#"; a.onclick = (e) => { e.preventDefault(); show(c.code); };
      li.appendChild(a); list.appendChild(li);
    }
    let features = await getJSON(`/api/v1/regions/${code}/children/boundaries`);
    if (!features.features.length && region.has_boundary) {
      const own = await getJSON(`/api/v1/regions/${code}/boundary`);
      features = { type: "FeatureCollection", features: [own] };
    }
    if (layer) map.removeLayer(layer);
    layer = L.geoJSON(features, {
      style: (f) => ({ color: "#1f2937", weight: 1, fillOpacity: 0.35,
                        fillColor: palette[parseInt(f.properties.code.slice(-2), 10) % palette.length] }),
      onEachFeature: (f, l) => {
        l.bindTooltip(f.properties.name, { sticky: true });
        l.on("click", () => show(f.properties.code));
      },
    }).addTo(map);
    if (features.features.length) map.fitBounds(layer.getBounds(), { padding: [10, 10] });
    else if (region.bbox) map.fitBounds([[region.bbox[1], region.bbox[0]], [region.bbox[3], region.bbox[2]]]);
    el.dataset.loaded = code;
  }
  show(el.dataset.start).catch((e) => { document.getElementById("region-meta").textContent = gettext("加载失败：") + e.message; });
})();
