// 指挥一张图: the command map's layers from /api/v1/emergency/map, each switchable from the legend.
(function () {
  "use strict";
  const box = document.getElementById("command-map");
  if (!box || typeof L === "undefined") return;
  const esc = (text) => String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const map = L.map(box, { zoomSnap: 0.25 }).setView([32.06, 118.79], 11);
  if (box.dataset.tiles) L.tileLayer(box.dataset.tiles).addTo(map);
  const teamColours = { available: "#16a34a", dispatched: "#d97706", on_scene: "#dc2626", returning: "#2563eb", out_of_service: "#6b7280" };
  const gradeColours = { especially_major: "#7f1d1d", major: "#b91c1c", larger: "#ea580c", general: "#f59e0b" };
  const fill = (text, values) => text.replace(/%\((\w+)\)s/g, (_, k) => String(values[k]));
  const style = {
    incident: (p) => ({ radius: 11, color: "#7f1d1d", weight: 3, fillColor: gradeColours[p.grade] || "#dc2626", fillOpacity: 0.95 }),
    team: (p) => ({ radius: 6, color: "#111827", weight: 1, fillColor: teamColours[p.status] || "#6b7280", fillOpacity: 0.9 }),
    shelter: (p) => ({ radius: 7, color: "#065f46", weight: 2, fillColor: p.is_open ? "#34d399" : "#d1fae5", fillOpacity: 0.9 }),
    depot: () => ({ radius: 7, color: "#4c1d95", weight: 2, fillColor: "#a78bfa", fillOpacity: 0.9 }),
    external_team: () => ({ radius: 6, color: "#5b21b6", weight: 2, dashArray: "2 2", fillColor: "#ede9fe", fillOpacity: 0.9 }),
  };
  const tooltip = (p) => {
    if (p.layer === "incident") return `${esc(p.name)} · ${esc(gettext(p.grade_name || ""))} · ${esc(gettext(p.state_name || ""))}`;
    if (p.layer === "team") return `${esc(p.name)} · ${esc(gettext(p.status_name || ""))}`;
    if (p.layer === "external_team") return `${esc(gettext("外部队伍"))} · ${esc(p.name)} · ${esc(gettext(p.status_name || ""))} · ${esc(p.publisher)}`;
    if (p.layer === "warning") return `${esc(p.name)} · ${esc(gettext(p.colour_zh || ""))}${esc(box.dataset.warningWord)}`;
    if (p.layer === "shelter") return `${esc(p.name)} · ${p.is_open ? esc(fill(box.dataset.occupancy, p)) : esc(box.dataset.closed)}`;
    return esc(p.name);
  };
  // The base layer: the reader's region and its districts (district-layer.js; a basemap only when configured).
  window.citysafeDistrictLayer(map, box.dataset.region);
  fetch("/api/v1/emergency/map", { credentials: "same-origin" })
    .then((r) => (r.ok ? r.json() : null))
    .then((fc) => {
      if (!fc) return;
      const groups = {};
      Object.keys(fc.layer_names).forEach((layer) => { groups[layer] = L.featureGroup().addTo(map); });
      fc.features.forEach((f) => {
        const p = f.properties;
        let shape;
        if (p.layer === "warning") {
          // A warning's area, in its level's colour, under the points; a click opens the warning.
          shape = L.geoJSON(f, { style: { color: p.colour_hex, weight: 2, fillColor: p.colour_hex, fillOpacity: 0.15 } });
          shape.on("click", () => { window.location.href = p.href; });
        } else if (f.geometry.type === "LineString") {
          shape = L.geoJSON(f, { style: { color: p.state === "on_scene" ? "#16a34a" : "#d97706", weight: 4, opacity: 0.85 } });
        } else {
          const [lon, lat] = f.geometry.coordinates;
          shape = L.circleMarker([lat, lon], style[p.layer](p));
          if (p.href) shape.on("click", () => { window.location.href = p.href; });
        }
        shape.bindTooltip(tooltip(p));
        shape.addTo(groups[p.layer]);
      });
      groups.team.eachLayer((m) => { if (m.options.fillColor !== teamColours.available) m.bringToFront(); });
      groups.warning.bringToBack();
      groups.incident.bringToFront();
      const all = L.featureGroup(Object.values(groups));
      if (all.getLayers().some((g) => g.getLayers().length)) map.fitBounds(all.getBounds(), { padding: [20, 20], animate: false });
      // The legend: one switch per layer with its count.
      const legend = document.getElementById("map-legend");
      legend.innerHTML = "";
      Object.entries(fc.layer_names).forEach(([layer, name]) => {
        const label = document.createElement("label");
        label.className = "legend-switch";
        const input = document.createElement("input");
        input.type = "checkbox";
        input.checked = true;
        input.dataset.layer = layer;
        input.addEventListener("change", () => (input.checked ? groups[layer].addTo(map) : groups[layer].remove()));
        label.append(input, ` ${gettext(name)} ${fc.counts[layer]}`);
        legend.append(label);
      });
      legend.dataset.ready = "1";
    })
    .catch(() => {});
})();
