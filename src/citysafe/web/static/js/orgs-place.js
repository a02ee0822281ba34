// The organisation form's place picker: the division's boundary as the base layer (a basemap only when one is
// configured), a click puts the marker and fills 经度/纬度, and typed coordinates move the marker.
(function () {
  "use strict";
  const box = document.getElementById("org-map");
  const lon = document.getElementById("org-lon");
  const lat = document.getElementById("org-lat");
  const regionSelect = document.getElementById("org-region");
  if (!box || !lon || !lat || typeof L === "undefined") return;
  const map = L.map(box, { zoomSnap: 0.25 }).setView([32.06, 118.79], 11);
  if (box.dataset.tiles) {
    L.tileLayer(box.dataset.tiles, { attribution: box.dataset.attribution || "" }).addTo(map);
  }
  let outline = null;
  let marker = null;

  function typed() {
    const x = parseFloat(lon.value);
    const y = parseFloat(lat.value);
    return Number.isFinite(x) && Number.isFinite(y) && Math.abs(x) <= 180 && Math.abs(y) <= 90 ? [y, x] : null;
  }

  function place(latlng, pan) {
    if (marker) marker.setLatLng(latlng);
    else marker = L.circleMarker(latlng, { radius: 9, color: "#1e3a8a", weight: 3, fillColor: "#3b82f6", fillOpacity: 0.9 }).addTo(map);
    if (pan) map.panTo(latlng);
  }

  function showRegion(code, fit) {
    fetch(`/api/v1/regions/${encodeURIComponent(code)}/boundary`, { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : null))
      .then((feature) => {
        if (!feature) return;
        if (outline) outline.remove();
        outline = L.geoJSON(feature, { style: { color: "#1e3a8a", weight: 1.5, fillOpacity: 0.05 }, interactive: false })
          .addTo(map).bringToBack();
        if (fit) map.fitBounds(outline.getBounds(), { padding: [10, 10] });
      })
      .catch(() => {});
  }

  map.on("click", (e) => {
    lon.value = e.latlng.lng.toFixed(6);
    lat.value = e.latlng.lat.toFixed(6);
    place(e.latlng, false);
  });
  [lon, lat].forEach((input) => input.addEventListener("change", () => {
    const at = typed();
    if (at) place(at, true);
  }));
  const start = typed();
  if (start) {
    place(start, false);
    map.setView(start, 14);
  }
  if (box.dataset.region) showRegion(box.dataset.region, true);  // the whole division, the place marked inside it
  if (regionSelect) regionSelect.addEventListener("change", () => showRegion(regionSelect.value, !typed()));
})();
