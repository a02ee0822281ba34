// Citizen reports, public pages: the place picked on a map (the province outline as the base layer, a basemap
// when one is configured; a tap puts the marker, "使用我的位置" asks the phone), the SMS code button, and the
// tracking page's map of the displaced place.
(function () {
  "use strict";
  if (typeof L === "undefined") return;

  function baseMap(box, view) {
    const map = L.map(box, { zoomSnap: 0.25, attributionControl: !!box.dataset.tiles }).setView(view, 8);
    if (box.dataset.tiles) L.tileLayer(box.dataset.tiles, { attribution: box.dataset.attribution || "" }).addTo(map);
    return map;
  }

  function outline(map, box, fit) {
    fetch(box.dataset.outline).then((r) => (r.ok ? r.json() : null)).then((feature) => {
      if (!feature) return;
      const layer = L.geoJSON(feature, { style: { color: "#7f1d1d", weight: 1.5, fillOpacity: 0.04 }, interactive: false }).addTo(map);
      layer.bringToBack();
      if (fit) map.fitBounds(layer.getBounds(), { padding: [6, 6], animate: false });
    }).catch(() => {});
  }

  const pick = document.getElementById("pr-map");
  if (pick) {
    const lon = document.getElementById("pr-lon");
    const lat = document.getElementById("pr-lat");
    const where = document.getElementById("pr-where");
    const map = baseMap(pick, [32.06, 118.79]);
    let marker = null;
    const put = (latlng, zoom) => {
      lon.value = latlng.lng.toFixed(6);
      lat.value = latlng.lat.toFixed(6);
      if (marker) marker.setLatLng(latlng);
      else marker = L.circleMarker(latlng, { radius: 10, color: "#7f1d1d", weight: 3, fillColor: "#ef4444", fillOpacity: 0.9 }).addTo(map);
      if (zoom) map.setView(latlng, pick.dataset.tiles ? 16 : 9);
      where.textContent = gettext("已选地点：%(lon)s, %(lat)s（可再次点击地图修改）", { lon: lon.value, lat: lat.value });
      where.dataset.picked = "1";
      pick.classList.remove("field-error");
    };
    const had = parseFloat(lon.value), hadLat = parseFloat(lat.value);
    if (Number.isFinite(had) && Number.isFinite(hadLat)) put(L.latLng(hadLat, had), true);
    outline(map, pick, !marker);
    map.on("click", (e) => put(e.latlng, false));
    const locate = document.getElementById("pr-locate");
    if (locate) locate.addEventListener("click", () => {
      if (!navigator.geolocation) { where.textContent = gettext("此设备不支持定位，请在地图上点选"); return; }
      where.textContent = gettext("正在定位…");
      navigator.geolocation.getCurrentPosition(
        (pos) => put(L.latLng(pos.coords.latitude, pos.coords.longitude), true),
        () => { where.textContent = gettext("未能定位，请在地图上点选"); },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }

  const track = document.getElementById("pr-track-map");
  if (track) {
    const at = [parseFloat(track.dataset.lat), parseFloat(track.dataset.lon)];
    const map = baseMap(track, at);
    map.setView(at, track.dataset.tiles ? 14 : 9);
    L.circleMarker(at, { radius: 10, color: "#7f1d1d", weight: 3, fillColor: "#ef4444", fillOpacity: 0.8 }).addTo(map);
    outline(map, track, false);
  }
})();

(function () {
  "use strict";
  const button = document.getElementById("pr-send-code");
  const phone = document.getElementById("pr-phone");
  const status = document.getElementById("pr-code-status");
  if (!button || !phone || !status) return;
  button.addEventListener("click", () => {
    button.disabled = true;
    fetch("/api/v1/public/reports/codes", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ phone: phone.value.trim(), purpose: button.dataset.purpose || "report" }),
    }).then((r) => (r.ok ? null : r.json())).then((problem) => {
      if (!problem) {
        status.textContent = gettext("验证码已发送，请查看短信");
        setTimeout(() => { button.disabled = false; }, 60000);
        return;
      }
      const said = (problem.errors && problem.errors[0] && problem.errors[0].message_zh) || problem.detail_zh || problem.detail;
      status.textContent = said;
      button.disabled = false;
    }).catch(() => { status.textContent = gettext("发送失败，请稍后再试"); button.disabled = false; });
  });
})();
