// Shelters near me: the browser's position (asked only when the citizen presses the button) fills the form.
(function () {
  "use strict";
  const button = document.getElementById("use-location");
  const form = document.getElementById("shelter-search");
  const status = document.getElementById("location-status");
  if (!button || !form) return;
  if (!navigator.geolocation) { button.hidden = true; return; }
  button.addEventListener("click", () => {
    status.textContent = gettext("正在获取您的位置…");
    navigator.geolocation.getCurrentPosition((pos) => {
      const lon = pos.coords.longitude.toFixed(5), lat = pos.coords.latitude.toFixed(5);
      window.location.assign(`/public/shelters?lon=${lon}&lat=${lat}`);
    }, () => { status.textContent = gettext("无法获取位置，请选择地区查看。"); }, { timeout: 10000, maximumAge: 60000 });
  });
})();
