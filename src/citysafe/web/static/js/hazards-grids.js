// Grid polygons of the region (WGS84 GeoJSON from the API) over the region's outline; no basemap needed. A grid
// officer's map keeps only the grids it serves (data-only); a click on a grid opens its page.
(function () {
  const el = document.getElementById("grid-map");
  const map = L.map(el, { preferCanvas: true }).setView([32.05, 118.8], 12);
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "" }).addTo(map);
  }
  const outline = JSON.parse(document.getElementById("grid-outline").textContent);
  const outlineLayer = outline
    ? L.geoJSON(outline, { style: () => ({ color: "#b91c1c", weight: 2, dashArray: "6 4", fill: false }),
      interactive: false }).addTo(map)
    : null;
  const only = el.dataset.only ? new Set(el.dataset.only.split(",")) : null;
  fetch(`/api/v1/hazards/grids/features?within=${encodeURIComponent(el.dataset.within)}`, { credentials: "same-origin" })
    .then((r) => r.json())
    .then((fc) => {
      const features = fc.features.filter((f) => !only || only.has(f.properties.code));
      const layer = L.geoJSON({ type: "FeatureCollection", features }, {
        style: () => ({ color: "#7f1d1d", weight: 1, fillColor: "#fca5a5", fillOpacity: 0.35 }),
        onEachFeature: (f, l) => {
          l.bindTooltip(`${f.properties.name}`, { sticky: true });
          l.on("click", () => { window.location.href = `/hazards/grids/${f.properties.code}`; });
        },
      }).addTo(map);
      if (features.length) map.fitBounds(layer.getBounds(), { padding: [10, 10] });
      else if (outlineLayer) map.fitBounds(outlineLayer.getBounds(), { padding: [10, 10] });
      el.dataset.loaded = String(features.length);
    });
})();
