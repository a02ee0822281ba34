// Drawing a grid's boundary: clicks on the map set the corners of a polygon, written into the boundary box as
// GeoJSON (WGS84); GeoJSON pasted or typed into the box is drawn on the map. The community's (or the nearest
// division's) outline and the other grids are shown so the new grid is drawn inside and beside them.
(function () {
  const el = document.getElementById("draw-map");
  const box = document.getElementById("boundary");
  const crs = document.getElementById("crs");
  const readOnly = !box;  // a grid officer's view of its grid: shown, not drawn
  const map = L.map(el).setView([32.05, 118.8], 13);
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "" }).addTo(map);
  }
  const outline = JSON.parse(document.getElementById("grid-outline").textContent);
  let outlineLayer = null;
  if (outline) {
    outlineLayer = L.geoJSON(outline, { style: () => ({ color: "#b91c1c", weight: 2, dashArray: "6 4", fill: false }),
      interactive: false }).addTo(map);
    map.fitBounds(outlineLayer.getBounds(), { padding: [10, 10], animate: false });
  }
  fetch(`/api/v1/hazards/grids/features?within=${encodeURIComponent(el.dataset.within)}`, { credentials: "same-origin" })
    .then((r) => r.json())
    .then((fc) => {
      const others = fc.features.filter((f) => f.properties.code !== el.dataset.own);
      L.geoJSON({ type: "FeatureCollection", features: others }, {
        style: () => ({ color: "#475569", weight: 1, fillColor: "#cbd5e1", fillOpacity: 0.4 }),
        onEachFeature: (f, l) => l.bindTooltip(f.properties.name, { sticky: true }),
      }).addTo(map);
      const own = fc.features.filter((f) => f.properties.code === el.dataset.own);
      if (readOnly && own.length) {
        const layer = L.geoJSON({ type: "FeatureCollection", features: own }, {
          style: () => ({ color: "#7f1d1d", weight: 2, fillColor: "#fca5a5", fillOpacity: 0.4 }) }).addTo(map);
        map.fitBounds(layer.getBounds(), { padding: [30, 30], maxZoom: 17, animate: false });
      }
      el.dataset.loaded = "true";
    });

  if (readOnly) return;
  let corners = [];  // [lat, lng] while drawing
  let fromBox = false;  // the corners came from the box (a grid being edited): a click starts a new drawing
  const drawn = L.layerGroup().addTo(map);

  function show(latlngs, closed) {
    drawn.clearLayers();
    if (!latlngs.length) return;
    latlngs.forEach((p) => L.circleMarker(p, { radius: 4, color: "#7f1d1d" }).addTo(drawn));
    const shape = closed || latlngs.length >= 3
      ? L.polygon(latlngs, { color: "#7f1d1d", weight: 2, fillColor: "#fca5a5", fillOpacity: 0.4 })
      : L.polyline(latlngs, { color: "#7f1d1d", weight: 2 });
    shape.addTo(drawn);
  }

  function write() {
    if (corners.length < 3) { box.value = ""; return; }
    const ring = corners.map(([lat, lng]) => [Number(lng.toFixed(6)), Number(lat.toFixed(6))]);
    ring.push(ring[0]);
    box.value = JSON.stringify({ type: "Polygon", coordinates: [ring] });
    if (crs) crs.value = "wgs84";  // the map is WGS84
  }

  function readBox() {
    let geometry;
    try { geometry = JSON.parse(box.value); } catch (e) { return; }
    if (geometry && geometry.type === "Feature") geometry = geometry.geometry;
    if (!geometry || (geometry.type !== "Polygon" && geometry.type !== "MultiPolygon")) return;
    const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    drawn.clearLayers();
    const layer = L.polygon(polygons.map((rings) => rings.map((ring) => ring.map(([x, y]) => [y, x]))),
      { color: "#7f1d1d", weight: 2, fillColor: "#fca5a5", fillOpacity: 0.4 }).addTo(drawn);
    corners = geometry.type === "Polygon" ? geometry.coordinates[0].slice(0, -1).map(([x, y]) => [y, x]) : [];
    fromBox = true;
    // A shape far from its community (pasted by mistake) is shown together with the outline, so both are seen.
    const bounds = layer.getBounds();
    if (outlineLayer && !outlineLayer.getBounds().intersects(bounds)) bounds.extend(outlineLayer.getBounds());
    map.fitBounds(bounds, { padding: [30, 30], maxZoom: 17, animate: false });
  }

  map.on("click", (e) => {
    if (fromBox) { corners = []; fromBox = false; }
    corners.push([e.latlng.lat, e.latlng.lng]);
    show(corners, false);
    write();
  });
  document.getElementById("draw-undo").addEventListener("click", () => {
    corners.pop();
    show(corners, false);
    write();
  });
  document.getElementById("draw-clear").addEventListener("click", () => {
    corners = [];
    fromBox = false;
    drawn.clearLayers();
    box.value = "";
    if (outlineLayer) map.fitBounds(outlineLayer.getBounds(), { padding: [10, 10], animate: false });  // back to where to draw
  });
  box.addEventListener("input", readBox);
  if (box.value.trim()) readBox();
})();
