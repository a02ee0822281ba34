// Grid polygons of the region (WGS84 GeoJSON from the API); no basemap needed.
(function () {
  const el = document.getElementById("grid-map");
  const map = L.map(el, { preferCanvas: true }).setView([32.05, 118.8], 12);
  fetch(`/api/v1/hazards/grids/features?within=${encodeURIComponent(el.dataset.within)}`, { credentials: "same-origin" })
    .then((r) => r.json())
    .then((fc) => {
      const layer = L.geoJSON(fc, {
        style: () => ({ color: "#7f1d1d", weight: 1, fillColor: "#fca5a5", fillOpacity: 0.35 }),
        onEachFeature: (f, l) => l.bindTooltip(`${f.properties.name}`, { sticky: true }),
      }).addTo(map);
      if (fc.features.length) map.fitBounds(layer.getBounds(), { padding: [10, 10] });
      el.dataset.loaded = String(fc.features.length);
    });
})();
