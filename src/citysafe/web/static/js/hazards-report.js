// Mobile report page: the phone's position (browsers give WGS84, as the server stores); photo previews are
// photo-preview.js's.
(function () {
  const geo = document.getElementById("geo");
  const lon = document.getElementById("lon");
  const lat = document.getElementById("lat");
  if (!navigator.geolocation) {
    geo.textContent = gettext("此设备不支持定位，将按所选单位或您的辖区登记位置");
  } else {
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        lon.value = pos.coords.longitude.toFixed(7);
        lat.value = pos.coords.latitude.toFixed(7);
        geo.textContent = gettext("已定位：%(lon)s, %(lat)s（精度约 %(accuracy)s 米）", { lon: lon.value, lat: lat.value, accuracy: Math.round(pos.coords.accuracy) });
        geo.dataset.located = "1";
      },
      // The browser's own message is English ("User denied Geolocation"): the reason is said by its code.
      (err) => {
        const why = { 1: gettext("未允许本页使用定位"), 2: gettext("当前无法获取位置"), 3: gettext("定位超时") }[err.code] || gettext("定位失败");
        geo.textContent = gettext("未能定位（%(why)s），将按所选单位或您的辖区登记位置", { why });
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  }
})();
// A field the server refused stays marked only until it is corrected.
for (const field of document.querySelectorAll("#report-form .field-error")) {
  field.addEventListener("input", () => field.classList.remove("field-error"), { once: true });
}
