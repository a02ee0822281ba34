// The road network page: the extent of the network in service as a rectangle on the map.
(function () {
  const box = document.getElementById("roads-map");
  if (!box || !window.L) return;
  const [w, s, e, n] = box.dataset.bbox.split(",").map(Number);
  const map = L.map(box, { zoomSnap: 0.25, scrollWheelZoom: false });
  if (box.dataset.tiles) L.tileLayer(box.dataset.tiles).addTo(map);
  const extent = L.rectangle([[s, w], [n, e]], { color: "#7f1d1d", weight: 2, fillOpacity: 0.08 }).addTo(map);
  map.fitBounds(extent.getBounds(), { padding: [12, 12] });
})();
