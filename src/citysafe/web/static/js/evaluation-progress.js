// The province dashboard's map: each creation object at its division's centre, coloured by where it stands
// (创建中 grey, 申报中 blue, 已命名 green, 已撤销 red), over the district base layer (district-layer.js).
(function () {
  "use strict";
  const el = document.getElementById("progress-map");
  if (!el) return;
  const colours = { preparing: "#94a3b8", applying: "#2563eb", named: "#16a34a", revoked: "#dc2626" };
  const map = L.map(el, { zoomSnap: 0.25, scrollWheelZoom: false }).setView([32.9, 119.4], 7);
  if (el.dataset.tileUrl) L.tileLayer(el.dataset.tileUrl, { attribution: "" }).addTo(map);
  const points = JSON.parse(document.getElementById("progress-points").textContent);
  const marks = L.featureGroup().addTo(map);
  points.forEach((p) => {
    const label = document.createElement("div");
    const title = document.createElement("strong");
    title.textContent = p.name;
    label.append(title, document.createElement("br"), `${p.city} · ${p.standing_name}`);
    if (p.stage) label.append(document.createElement("br"), p.stage);
    L.circleMarker([p.lat, p.lon], { radius: 8, weight: 1, color: "#0f172a", fillColor: colours[p.standing] || "#64748b",
      fillOpacity: 0.9 }).bindTooltip(label).addTo(marks);
  });
  window.citysafeDistrictLayer(map, el.dataset.within).then((base) => {
    const shown = base || (points.length ? marks : null);
    if (shown) map.fitBounds(shown.getBounds(), { padding: [10, 10], animate: false });
    el.dataset.loaded = "true";
  });
})();
