// The road network page: the network's extent on the map and a trial route — click the start (a team's base),
// then the destination (the incident); the fastest way on the network comes back as GeoJSON and is drawn.
(function () {
  const box = document.getElementById("roads-map");
  if (!box || !window.L) return;
  const [w, s, e, n] = box.dataset.bbox.split(",").map(Number);
  const map = L.map(box, { zoomSnap: 0.25, scrollWheelZoom: false });
  if (box.dataset.tiles) L.tileLayer(box.dataset.tiles).addTo(map);
  const extent = L.rectangle([[s, w], [n, e]], { color: "#7f1d1d", weight: 1, fillOpacity: 0.04, interactive: false });
  extent.addTo(map);
  map.fitBounds(extent.getBounds(), { padding: [12, 12] });
  const said = document.getElementById("roads-route");
  const drawn = L.layerGroup().addTo(map);
  let start = null;

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, (_, key) => values[key]);
  }

  async function route(from, to) {
    const body = { origin: { lon: to.lng, lat: to.lat }, candidates: [{ id: "start", lon: from.lng, lat: from.lat }], k: 1 };
    const r = await fetch("/api/v1/emergency/routing/nearest", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify(body),
    });
    if (!r.ok) { said.textContent = said.dataset.failed; return; }
    const answer = await r.json();
    const found = answer.routes[0];
    if (!found) { said.textContent = said.dataset.unreachable; return; }
    L.geoJSON(found, { style: { color: "#b91c1c", weight: 5, opacity: 0.85 } }).addTo(drawn);
    const p = found.properties;
    said.textContent = fill(said.dataset.template, {
      minutes: (p.seconds / 60).toFixed(1), km: (p.metres / 1000).toFixed(2),
      start_m: Math.round(p.snap_from_m), end_m: Math.round(p.snap_to_m),
    });
    said.dataset.method = answer.method;
  }

  map.on("click", (event) => {
    if (!start) {
      drawn.clearLayers();
      said.textContent = "";
      start = event.latlng;
      L.circleMarker(start, { radius: 7, color: "#1d4ed8", fillOpacity: 0.9 }).addTo(drawn);
      return;
    }
    L.circleMarker(event.latlng, { radius: 7, color: "#b91c1c", fillOpacity: 0.9 }).addTo(drawn);
    const from = start;
    start = null;
    route(from, event.latlng);
  });
})();
