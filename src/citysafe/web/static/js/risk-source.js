// A risk source's page: its geometry on a small map, and the assessment form showing one method's fields.
(function () {
  "use strict";
  const geometry = JSON.parse(document.getElementById("source-geometry").textContent);
  const level = JSON.parse(document.getElementById("source-level").textContent);
  const map = L.map("mini-map", { zoomSnap: 0.25, preferCanvas: true });
  const region = document.getElementById("mini-map").dataset.region;
  fetch(`/api/v1/regions/${region}/boundary`, { credentials: "same-origin" })
    .then((r) => (r.ok ? r.json() : null))
    .then((f) => { if (f) L.geoJSON(f, { style: { color: "#1f2937", weight: 1.5, fillOpacity: 0.05 }, interactive: false }).addTo(map).bringToBack(); })
    .catch(() => {});
  const layer = L.geoJSON(geometry, {
    // Lines and areas in the level's colour; a point keeps the marker's own style below.
    style: (f) => (f.geometry.type.endsWith("Point") ? {} : { color: level.colour, weight: 4, fillOpacity: 0.35 }),
    pointToLayer: (f, latlng) => L.circleMarker(latlng, { radius: 9, color: "#111827", weight: 2,
                                                          fillColor: level.colour, fillOpacity: 0.95 }),
  }).addTo(map);
  map.fitBounds(layer.getBounds(), { maxZoom: 15, padding: [30, 30] });
  const method = document.getElementById("method");
  if (!method) return;
  function toggle() {
    document.querySelectorAll("[data-method]").forEach((span) => {
      const on = span.dataset.method === method.value;
      span.style.display = on ? "contents" : "none";
      span.querySelectorAll("input,select").forEach((i) => { i.disabled = !on; });
    });
  }
  method.addEventListener("change", toggle);
  toggle();
})();
