// A unit's page: 查岗 and 巡检 buttons (sent down to the UITD by the gateway), and a reload when one of
// this unit's alarms changes.
(function () {
  "use strict";
  const FW = window.FW;
  const table = document.getElementById("fw-unit-alarms");
  const unitId = Number(table.dataset.unit);

  for (const button of document.querySelectorAll("[data-downlink]")) {
    button.addEventListener("click", async () => {
      const address = button.dataset.address;
      const msg = document.querySelector(`[data-msg="${address}"]`);
      const what = button.dataset.downlink === "duty-check" ? gettext("查岗") : gettext("巡检");
      button.disabled = true;
      try {
        const body = button.dataset.downlink === "duty-check" ? { timeout_minutes: 10 } : undefined;
        const sent = await FW.api("POST", `/api/v1/firewatch/uitds/${address}/${button.dataset.downlink}`, body);
        msg.textContent = gettext("%(what)s已下发（流水号 %(serial)s，%(time)s）", { what, serial: sent.serial, time: FW.time(sent.sent_at) });
        msg.className = "fw-msg muted";
      } catch (err) {
        msg.textContent = gettext("%(what)s失败：%(error)s", { what, error: err.message });
        msg.className = "fw-msg error";
      } finally {
        button.disabled = false;
      }
    });
  }

  let reload = null;
  const mine = (p, name) => {
    if (name === "AlarmUpdated" && p.change === "occurrence") return; // a repeat, not a change of state
    if (p.unit_id === unitId && !reload) reload = setTimeout(() => location.reload(), 1500);
  };
  FW.stream({ "*": mine }, document.getElementById("fw-live"));
})();
