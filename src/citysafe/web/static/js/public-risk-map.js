// The public risk map: each district filled with its level's colour; no sources, no streets (issue #15 point 5).
(function () {
  "use strict";
  const el = document.getElementById("public-map");
  if (!el || !window.L) return;
  const map = L.map(el, { zoomSnap: 0.25, attributionControl: false });
  fetch(el.dataset.geojson, { credentials: "omit" })
    .then((r) => (r.ok ? r.json() : null))
    .then((data) => {
      if (!data || !data.features.length) return;
      const layer = L.geoJSON(data, {
        style: (f) => ({ color: "#ffffff", weight: 1.5, fillColor: f.properties.colour, fillOpacity: 0.75 }),
        onEachFeature: (f, l) => l.bindTooltip(`${f.properties.name} · ${f.properties.level_name}`),
      }).addTo(map);
      map.fitBounds(layer.getBounds(), { padding: [8, 8] });
    })
    .catch(() => { el.hidden = true; });
})();
