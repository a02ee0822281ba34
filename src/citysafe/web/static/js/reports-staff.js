// Citizen reports, staff: the report's exact place on a small map (a basemap when one is configured).
(function () {
  "use strict";
  const box = document.getElementById("rp-map");
  if (!box || typeof L === "undefined") return;
  const at = [parseFloat(box.dataset.lat), parseFloat(box.dataset.lon)];
  const map = L.map(box, { attributionControl: !!box.dataset.tiles }).setView(at, 15);
  if (box.dataset.tiles) L.tileLayer(box.dataset.tiles, { attribution: box.dataset.attribution || "" }).addTo(map);
  L.circleMarker(at, { radius: 10, color: "#7f1d1d", weight: 3, fillColor: "#ef4444", fillOpacity: 0.9 }).addTo(map);
  // Without a basemap the division's outline gives the place its surroundings.
  if (box.dataset.region) {
    fetch(`/api/v1/regions/${encodeURIComponent(box.dataset.region)}/boundary`, { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : null)).then((feature) => {
        if (!feature) return;
        const layer = L.geoJSON(feature, { style: { color: "#1e3a8a", weight: 1.5, fillOpacity: 0.04 }, interactive: false }).addTo(map);
        layer.bringToBack();
        if (!box.dataset.tiles) map.fitBounds(layer.getBounds(), { padding: [8, 8], animate: false });
      }).catch(() => {});
  }
  L.circle(at, { radius: 30, color: "#7f1d1d", weight: 1, fillOpacity: 0.05, interactive: false }).addTo(map);
})();
