// A confirmed fire's hand-over to 119 on the alarm board: sent by the link, failed and retried, or waiting
// for the operator's phone call, which the operator then records (who called, when, who answered).
(function () {
  "use strict";
  const FW = window.FW;

  function delay(ms) {
    const s = Math.round(ms / 1000);
    if (s < 60) return gettext("%(s)s秒", { s });
    const m = Math.floor(s / 60);
    return m < 60 ? gettext("%(m)s分%(s)s秒", { m, s: String(s % 60).padStart(2, "0") })
      : gettext("%(h)s小时%(m)s分", { h: Math.floor(m / 60), m: String(m % 60).padStart(2, "0") });
  }
  // "YYYY-MM-DDTHH:MM:SS" in China time, for a datetime-local input.
  function localInput(date) {
    const p = Object.fromEntries(new Intl.DateTimeFormat("en-CA", {
      timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
      second: "2-digit", hourCycle: "h23",
    }).formatToParts(date).map((x) => [x.type, x.value]));
    return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`;
  }

  function panel(d, cfg) {
    const s = d.forward_status;
    if (d.state !== "confirmed" || !s) return "";
    const rows = d.forwardings || [];
    const done = rows.find((f) => f.status === "sent" || f.status === "manual_done");
    if (done && done.status === "manual_done") {
      return `<section class="fw-119 done" data-testid="forward-119" data-status="manual_done"><h3>${gettext("已电话转警119")}</h3>
        <p>${gettext("%(who)s 于 %(time)s 拨打119，119接警员：%(reference)s。", { who: FW.esc(done.called_by), time: FW.time(done.sent_at), reference: FW.esc(done.reference) })}` +
        `${gettext("确认火警后 %(delay)s 转警。", { delay: `<b data-testid="forward-delay">${delay(done.delay_ms)}</b>` })}${done.note ? " " + FW.esc(done.note) : ""}</p></section>`;
    }
    if (done) {
      return `<section class="fw-119 done" data-testid="forward-119" data-status="sent"><h3>${gettext("已自动转发119")}</h3>
        <p>${gettext("%(time)s 由联网接口送达，确认后 %(delay)s", { time: FW.time(done.sent_at), delay: `<b data-testid="forward-delay">${delay(done.delay_ms)}</b>` })}` +
        `${done.reference ? gettext("，回执 %(reference)s", { reference: FW.esc(done.reference) }) : ""}${gettext("。")}</p></section>`;
    }
    const failed = rows.filter((f) => f.status === "failed" || f.status === "manual_pending");
    const last = failed[failed.length - 1];
    const why = s === "failed"
      ? gettext("自动转发119失败（已尝试 %(count)s 次，系统仍在重试）：%(error)s。请同时电话报警。", { count: failed.length, error: FW.esc(last ? last.error : "") })
      : (last && last.forwarder === "log"
        ? gettext("本平台未接入119联网转警，火警信息没有发出。请立即拨打119报警，并在下方登记通话。")
        : gettext("自动转发119已失败 %(count)s 次，不再重试。请立即拨打119报警，并在下方登记通话。", { count: failed.length }));
    const button = cfg.can_operate ? `<button type="button" id="fw-record-call">${gettext("登记电话转警")}</button>` : "";
    return `<section class="fw-119 pending" data-testid="forward-119" data-status="${FW.esc(s)}">
      <h3>${s === "failed" ? gettext("转发119失败") : gettext("待人工电话转警")}</h3>
      <p>${why}</p>
      <p><a class="call119" href="tel:119">${gettext("拨打 119")}</a></p>
      <p>${gettext("联系单位核实现场：")}</p>${window.FWPanel.phonesHtml(d.unit_phones, "unit-phones")}
      <div class="fw-actions">${button}</div></section>`;
  }

  // The operator phoned 119: who, when, who answered; ``done`` reloads the board.
  function callForm(d, cfg, done) {
    const form = document.getElementById("fw-form");
    const now = localInput(new Date());
    form.innerHTML = `<form class="fw-form" id="fw-call-form">
      <label>${gettext("拨打人")} <input name="called_by" value="${FW.esc(cfg.display_name || cfg.user)}" maxlength="100" required></label>
      <label>${gettext("拨打时间（北京时间）")} <input name="called_at" type="datetime-local" step="1" value="${now}"
        min="${localInput(new Date(d.decided_at))}" required></label>
      <label>${gettext("119接警员 / 答复（必填）")} <input name="answered_by" maxlength="200" required placeholder="${FW.esc(gettext("如：接警员工号 0371，已派车"))}"></label>
      <label>${gettext("备注")} <textarea name="note" rows="2" maxlength="500"></textarea></label>
      <div class="fw-actions"><button type="submit">${gettext("提交：登记电话转警")}</button>
      <button type="button" class="secondary" id="fw-cancel">${gettext("取消")}</button></div></form>`;
    document.getElementById("fw-cancel").onclick = () => { form.innerHTML = ""; };
    document.getElementById("fw-call-form").onsubmit = async (e) => {
      e.preventDefault();
      const f = new FormData(e.target);
      const error = document.getElementById("fw-error");
      try {
        const at = f.get("called_at") || "";
        await FW.api("POST", `/api/v1/firewatch/alarms/${d.id}/forwardings/manual`, {
          // Left as offered: now, as the server's clock has it; else China time as entered.
          called_by: f.get("called_by"), called_at: at === now ? null : `${at.length === 16 ? at + ":00" : at}+08:00`,
          answered_by: f.get("answered_by"), note: f.get("note") || "",
        });
        await done();
      } catch (err) {
        error.hidden = false;
        error.textContent = err.message;
      }
    };
  }

  window.FW119 = { panel, callForm };
})();
