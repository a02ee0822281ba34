// Citizen reports, staff: the report's exact place on a small map (a basemap when one is configured).
(function () {
  "use strict";
  const box = document.getElementById("rp-map");
  if (!box || typeof L === "undefined") return;
  const at = [parseFloat(box.dataset.lat), parseFloat(box.dataset.lon)];
  const map = L.map(box, { attributionControl: !!box.dataset.tiles }).setView(at, 15);
  if (box.dataset.tiles) L.tileLayer(box.dataset.tiles, { attribution: box.dataset.attribution || "" }).addTo(map);
  L.circleMarker(at, { radius: 10, color: "#7f1d1d", weight: 3, fillColor: "#ef4444", fillOpacity: 0.9 }).addTo(map);
  L.circle(at, { radius: 30, color: "#7f1d1d", weight: 1, fillOpacity: 0.05, interactive: false }).addTo(map);
})();
