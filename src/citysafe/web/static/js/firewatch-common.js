// Shared by the fire-monitoring pages: API calls, the live event stream, times in China time, the alarm sound.
(function () {
  "use strict";
  const fmt = new Intl.DateTimeFormat("zh-CN", {
    timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
  });

  function time(iso) {
    if (!iso) return "—";
    const d = new Date(iso);
    return isNaN(d) ? String(iso) : fmt.format(d).replace(/\//g, "-");
  }

  function esc(value) {
    return String(value == null ? "" : value).replace(/[&<>"']/g, (c) => (
      { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  async function api(method, url, body) {
    const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const r = await fetch(url, init);
    const data = (r.headers.get("content-type") || "").includes("json") ? await r.json() : null;
    if (!r.ok) {
      // problem+json carries a Chinese message; show it as is
      throw new Error((data && (data.detail_zh || data.detail)) || `${r.status} ${r.statusText}`);
    }
    return data;
  }

  // Live stream: reconnects by itself (EventSource); the indicator shows whether events can arrive.
  const EVENTS = ["AlarmRaised", "AlarmUpdated", "AlarmCleared", "FireConfirmed", "UnitOffline", "AlarmEscalated", "resync"];
  function stream(handlers, indicator) {
    const label = indicator && indicator.querySelector("span");
    const show = (on, text) => {
      if (!indicator) return;
      indicator.classList.toggle("on", on);
      indicator.classList.toggle("off", !on);
      if (label) label.textContent = text;
    };
    const source = new EventSource("/api/v1/firewatch/stream", { withCredentials: true });
    source.addEventListener("hello", () => show(true, gettext("实时连接")));
    source.onerror = () => show(false, gettext("连接中断，正在重连…"));
    for (const name of EVENTS) {
      source.addEventListener(name, (e) => {
        const handler = handlers[name] || handlers["*"];
        if (handler) handler(e.data ? JSON.parse(e.data) : {}, name);
      });
    }
    return source;
  }

  // The fire alarm sound: a two-tone square wave, generated with the Web Audio API (no asset).
  // Browsers only allow sound after a user gesture, hence the button that enables it.
  let audio = null;
  window.fwBeeps = 0;
  function enableSound() {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return false;
    audio = audio || new Ctx();
    if (audio.state === "suspended") audio.resume();
    return true;
  }
  function beep(times) {
    window.fwBeeps += 1;
    if (!audio) return false;
    const start = audio.currentTime + 0.02;
    for (let i = 0; i < (times || 3) * 2; i++) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = "square";
      osc.frequency.value = i % 2 ? 660 : 880;
      gain.gain.setValueAtTime(0.12, start + i * 0.22);
      gain.gain.exponentialRampToValueAtTime(0.001, start + i * 0.22 + 0.2);
      osc.connect(gain).connect(audio.destination);
      osc.start(start + i * 0.22);
      osc.stop(start + i * 0.22 + 0.21);
    }
    return true;
  }

  window.FW = { time, esc, api, stream, enableSound, beep, soundOn: () => audio !== null && audio.state !== "closed" };
})();
