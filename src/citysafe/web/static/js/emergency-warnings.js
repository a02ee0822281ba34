// Warnings (预警): on the list page, the composer — clicks on the map set the corners of the area (written into
// the area box as GeoJSON, WGS84, 6 decimals), or divisions are ticked by name; the recipients inside are counted
// live by the API, and the form is posted to the API as JSON (times typed in Beijing time, sent with +08:00).
// Opened from an incident room, it starts from the area the page offers (around the incident), redrawable.
// On a warning's page, its area. Both maps have the district base layer (district-layer.js).
(function () {
  const el = document.getElementById("warn-map");
  if (!el) return;
  const map = L.map(el).setView([32.05, 118.8], 12);
  window.__warnMap = map;  // the browser tests turn coordinates into clicks
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "" }).addTo(map);
  }
  const style = { color: "#7f1d1d", weight: 2, fillColor: "#fca5a5", fillOpacity: 0.4 };

  const districts = window.citysafeDistrictLayer(map, (el.dataset.within || "").slice(0, 6));

  if (el.dataset.readonly) {
    const cap = document.getElementById("cap-xml");
    if (cap) document.querySelector("[data-testid=cap-preview]").textContent = JSON.parse(cap.textContent);
    const area = JSON.parse(document.getElementById("warning-area").textContent);
    const layer = area ? L.geoJSON(area, { style: () => style }).addTo(map) : null;
    districts.then((base) => {
      const shown = layer || base;
      // Not closer than a few streets: the area is read against the districts around it.
      if (shown) map.fitBounds(shown.getBounds(), { padding: [20, 20], maxZoom: 14, animate: false });
      el.dataset.loaded = "true";
    });
    return;
  }

  const form = document.getElementById("warning-form");
  const box = document.getElementById("area");
  const codes = document.getElementById("region_codes");
  const count = document.getElementById("recipient-count");
  const words = document.getElementById("count-words").dataset;
  const kinds = JSON.parse(words.kinds);
  const drawn = L.layerGroup().addTo(map);
  if (el.dataset.incidentLon) {  // the scene, so the area is drawn around it (not part of the area)
    L.circleMarker([Number(el.dataset.incidentLat), Number(el.dataset.incidentLon)],
      { radius: 8, color: "#7f1d1d", weight: 3, fillColor: "#dc2626", fillOpacity: 0.9, interactive: false })
      .addTo(map);
  }
  let corners = [];
  // The starting area (from an incident): its ring's corners, as if clicked, so undo and clear work on it too.
  const start = JSON.parse(document.getElementById("start-area").textContent || "null");
  if (start && start.type === "Polygon") corners = start.coordinates[0].slice(0, -1).map(([lng, lat]) => [lat, lng]);
  districts.then((base) => {
    if (corners.length) map.fitBounds(L.latLngBounds(corners), { padding: [60, 60], animate: false });
    else if (base) map.fitBounds(base.getBounds(), { padding: [10, 10], animate: false });
    el.dataset.loaded = "true";
  });

  function show() {
    drawn.clearLayers();
    corners.forEach((p) => L.circleMarker(p, { radius: 4, color: "#7f1d1d" }).addTo(drawn));
    if (corners.length >= 3) L.polygon(corners, style).addTo(drawn);
    else if (corners.length) L.polyline(corners, style).addTo(drawn);
  }

  function area() {
    if (corners.length < 3) return null;
    const ring = corners.map(([lat, lng]) => [Number(lng.toFixed(6)), Number(lat.toFixed(6))]);
    ring.push(ring[0]);
    return { type: "Polygon", coordinates: [ring] };
  }

  function target() {
    let geometry = null;
    try { geometry = box.value.trim() ? JSON.parse(box.value) : null; } catch (e) { geometry = null; }
    const list = Array.from(codes.querySelectorAll("input[name=region_code]:checked")).map((c) => c.value);
    return geometry ? { area: geometry } : (list.length ? { region_codes: list } : null);
  }

  let pending = 0;
  function recount() {
    const body = target();
    if (!body) { pending++; count.textContent = words.none; delete count.dataset.total; return; }
    body.test = form.elements.test.checked;
    const mine = ++pending;
    fetch("/api/v1/emergency/warnings/recipients/count", {
      method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    }).then((r) => r.json().then((j) => [r.ok, j])).then(([ok, j]) => {
      if (mine !== pending) return;  // a newer drawing was counted after this one
      if (!ok) { count.textContent = words.prefix + (j.detail_zh || j.detail || ""); delete count.dataset.total; return; }
      const parts = Object.entries(j.by_kind).map(([k, n]) => `${kinds[k] || k} ${n}`);
      count.textContent = `${words.prefix}${j.total} ${words.people}` + (parts.length ? `（${parts.join("，")}）` : "");
      count.dataset.total = String(j.total);
    });
  }

  function changed() {
    const geometry = area();
    box.value = geometry ? JSON.stringify(geometry) : "";
    recount();
  }

  map.on("click", (e) => { corners.push([e.latlng.lat, e.latlng.lng]); show(); changed(); });
  document.getElementById("draw-undo").addEventListener("click", () => { corners.pop(); show(); changed(); });
  document.getElementById("draw-clear").addEventListener("click", () => { corners = []; show(); changed(); });
  box.addEventListener("change", recount);
  codes.addEventListener("change", recount);
  if (corners.length) { show(); changed(); } else if (target()) recount();
  form.elements.test.addEventListener("change", recount);

  function beijing(value) { return value ? `${value.length === 16 ? value + ":00" : value}+08:00` : null; }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const f = form.elements;
    const body = Object.assign({
      category: f.category.value, level: Number(f.level.value), event: f.event.value, headline: f.headline.value,
      description: f.description.value, instruction: f.instruction.value, onset: beijing(f.onset.value),
      expires: beijing(f.expires.value), test: f.test.checked, area_desc: f.area_desc.value,
    }, target() || {});
    if (f.incident_id) body.incident_id = Number(f.incident_id.value);
    const error = document.getElementById("form-error");
    fetch("/api/v1/emergency/warnings", {
      method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    }).then((r) => r.json().then((j) => [r.status, j])).then(([status, j]) => {
      if (status === 201) { window.location.assign(`/emergency/warnings/${j.id}`); return; }
      error.hidden = false;
      const fields = (j.errors || []).map((x) => `${x.field}：${x.message_zh || x.message}`);
      error.textContent = fields.length ? fields.join("；") : (j.detail_zh || j.detail || String(status));
    });
  });
})();
