// The unit map: every networked unit as a canvas circle coloured by its most urgent open alarm, clustered
// (Leaflet.markercluster, chunked) so thousands stay smooth; the event stream recolours units live.
(function () {
  "use strict";
  const FW = window.FW;
  const cfg = JSON.parse(document.getElementById("fw-config").textContent);
  const el = document.getElementById("fw-map");
  const rank = Object.fromEntries(cfg.order.map((s, i) => [s, i]));
  const canvas = L.canvas({ padding: 0.5 });
  const map = L.map(el, { preferCanvas: true, zoomSnap: 0.25, maxZoom: 18 });
  if (el.dataset.tileUrl) L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "" }).addTo(map);
  map.setView([32.06, 118.79], 9);
  const units = new Map(); // id → { marker, status, name, open }

  function worst(statuses) {
    let best = "normal";
    for (const s of statuses) if ((rank[s] ?? 99) < rank[best]) best = s;
    return best;
  }

  const cluster = L.markerClusterGroup({
    chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 45, disableClusteringAtZoom: 15,
    iconCreateFunction: (c) => {
      const children = c.getAllChildMarkers();
      const status = worst(children.map((m) => m.options.fwStatus));
      const size = children.length < 50 ? 34 : children.length < 500 ? 42 : 52;
      return L.divIcon({
        // The number alone does not say what it counts: the tooltip and the screen reader say so.
        html: `<div class="fw-cluster" title="${gettext("联网单位 %(count)s 家", { count: children.length })}" aria-label="${gettext("联网单位 %(count)s 家", { count: children.length })}" style="width:${size}px;height:${size}px;background:${cfg.colours[status]}">${children.length}</div>`,
        className: "", iconSize: [size, size],
      });
    },
  });
  map.addLayer(cluster);

  function style(status) {
    return { radius: status === "normal" ? 6 : 8, weight: 1.5, color: "#fff", fillColor: cfg.colours[status], fillOpacity: 0.95 };
  }

  function legend() {
    const counts = {};
    for (const u of units.values()) counts[u.status] = (counts[u.status] || 0) + 1;
    for (const li of document.querySelectorAll("#fw-legend li")) li.querySelector("b").textContent = counts[li.dataset.status] || 0;
  }

  function popup(id) {
    const u = units.get(id);
    return `<b>${FW.esc(u.name)}</b><br>${FW.esc(cfg.names[u.status])}${u.open ? gettext("，未关闭告警 %(count)s 条", { count: u.open }) : ""}` +
      `<br><a href="/firewatch/units/${id}">${gettext("设备与历史 ›")}</a>`;
  }

  async function boundaries() {
    // Region boundaries are the base layer: no basemap needed.
    try {
      const r = await fetch(`/api/v1/regions/${el.dataset.region}/children/boundaries`, { credentials: "same-origin" });
      if (!r.ok) return;
      const fc = await r.json();
      if (!fc.features || !fc.features.length) return;
      L.geoJSON(fc, { renderer: canvas, interactive: false,
        style: { color: "#334155", weight: 1, fillColor: "#f8fafc", fillOpacity: 0.6 } }).addTo(map).bringToBack();
    } catch (e) { /* the units still show without a base layer */ }
  }

  async function load() {
    const data = await FW.api("GET", "/firewatch/map/units.json");
    const fresh = [];
    const seen = new Set();
    for (const [id, name, lon, lat, status, open] of data.units) {
      seen.add(id);
      const known = units.get(id);
      if (known) {
        setStatus(id, status, open);
        continue;
      }
      const marker = L.circleMarker([lat, lon], Object.assign({ renderer: canvas, fwStatus: status }, style(status)));
      marker.bindTooltip(name);
      marker.on("click", () => marker.bindPopup(popup(id)).openPopup());
      units.set(id, { marker, status, name, open });
      fresh.push(marker);
    }
    for (const [id, u] of units) if (!seen.has(id)) { cluster.removeLayer(u.marker); units.delete(id); }
    cluster.addLayers(fresh);
    if (fresh.length && el.dataset.loaded === "0") {
      const bounds = L.latLngBounds(fresh.map((m) => m.getLatLng()));
      if (bounds.isValid()) map.fitBounds(bounds.pad(0.1), { animate: false }); // stable first frame, no stretched canvas
    }
    legend();
    document.getElementById("fw-map-meta").textContent = gettext("共 %(count)s 个联网单位", { count: units.size });
    el.dataset.loaded = String(units.size);
  }

  function setStatus(id, status, open) {
    const u = units.get(id);
    if (!u) return;
    if (open !== undefined) u.open = open;
    if (u.status === status) return;
    u.status = status;
    u.marker.options.fwStatus = status;
    u.marker.setStyle(style(status));
    cluster.refreshClusters(u.marker);
    legend();
  }

  // A new alarm can only make a unit more urgent: recolour at once. Closing one needs the unit's other
  // alarms, so the statuses are reloaded (at most once every two seconds).
  let reload = null;
  function later() {
    if (!reload) reload = setTimeout(() => { reload = null; load(); }, 2000);
  }
  FW.stream({
    AlarmRaised: (p) => {
      const u = p.unit_id && units.get(p.unit_id);
      if (!u) return later();
      u.open = (u.open || 0) + 1;
      setStatus(p.unit_id, worst([u.status, p.kind]));
    },
    UnitOffline: (p) => { const u = p.unit_id && units.get(p.unit_id); if (u) setStatus(p.unit_id, worst([u.status, "offline"])); },
    AlarmCleared: later, AlarmUpdated: (p) => { if (p.change !== "occurrence") later(); }, FireConfirmed: later, resync: later,
  }, document.getElementById("fw-live"));

  boundaries();
  load().catch((e) => { document.getElementById("fw-map-meta").textContent = gettext("加载失败：") + e.message; });
})();
