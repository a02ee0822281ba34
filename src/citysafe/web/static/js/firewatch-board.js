// The live alarm board: the list from the API, kept current by the event stream (fires first); the
// selected alarm's panel (firewatch-panel.js) in the URL, so Back and Forward move between alarms; the
// operator workflow (受理 → 核实 → 确认火警 / 误报 / 测试) by button or key.
(function () {
  "use strict";
  const FW = window.FW;
  const Panel = window.FWPanel;
  const cfg = JSON.parse(document.getElementById("fw-config").textContent);
  const table = document.getElementById("fw-alarms");
  const tbody = table.querySelector("tbody");
  const detail = document.getElementById("fw-detail");
  const filters = document.getElementById("fw-filters");
  // The filters apply as they change; Enter in the form must not submit (and reload) the page.
  filters.addEventListener("submit", (event) => event.preventDefault());
  const banner = document.getElementById("fw-banner");
  const alarms = new Map(); // id → AlarmRead-like object
  let selected = null;
  const TERMINAL = new Set(["confirmed", "false_alarm", "test", "restored"]);
  // action → [label, states it may start from, button class]
  const ACTIONS = [
    ["acknowledge", "受理", ["new"], ""],
    ["verify", "核实", ["acknowledged"], "warn"],
    ["confirm", "确认火警", ["verified"], ""],
    ["false_alarm", "误报", ["acknowledged", "verified"], "secondary"],
    ["test", "测试", ["new", "acknowledged", "verified"], "secondary"],
  ];
  const PATHS = { false_alarm: "false-alarm" };
  const CHANGES = { raise: "报警", occur: "再次报警", clear: "复位" };
  // 处置记录: the operator's steps and what the system did on its own (timer, 119, notifications).
  const ACTION_NAMES = Object.assign(Object.fromEntries(ACTIONS.map(([name, label]) => [name, label])), {
    remind: "超时提醒", escalate: "逐级上报", forward_119: "转发119", notify: "已通知",
    forward_119_phone: "人工电话转警",
  });
  // What the system's own steps came to (data.status), when that is not "done".
  const OUTCOME_NAMES = {
    forward_119: { failed: "转发119失败", manual_pending: "未转发119" },
    notify: { failed: "通知失败", not_sent: "未发出通知" },
  };
  const METHOD_NAMES = { video: "视频查看", phone: "电话" };
  const ACTOR_NAMES = {
    "system:timer": "系统定时任务", "system:log": "系统（未接外发通道）", "system:webhook": "系统（联网接口）",
  };
  // A confirmed fire's hand-over to 119 (AlarmRead.forward_status).
  const FORWARD_NAMES = {
    sent: "已转发119", failed: "转发119失败，重试中", manual_pending: "待人工电话转警", manual_done: "已电话转警119",
  };

  function delay(ms) {
    const s = Math.round(ms / 1000);
    if (s < 60) return `${s}秒`;
    const m = Math.floor(s / 60);
    return m < 60 ? `${m}分${String(s % 60).padStart(2, "0")}秒` : `${Math.floor(m / 60)}小时${String(m % 60).padStart(2, "0")}分`;
  }
  function actionName(x) {
    const outcome = OUTCOME_NAMES[x.action] && x.data && OUTCOME_NAMES[x.action][x.data.status];
    return outcome || ACTION_NAMES[x.action] || x.action;
  }
  // "YYYY-MM-DDTHH:MM:SS" in China time, for a datetime-local input.
  function localInput(date) {
    const p = Object.fromEntries(new Intl.DateTimeFormat("en-CA", {
      timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
      second: "2-digit", hourCycle: "h23",
    }).formatToParts(date).map((x) => [x.type, x.value]));
    return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`;
  }

  function filterValues() {
    const f = new FormData(filters);
    return { kind: f.get("kind") || "", state: f.get("state") || "", q: (f.get("q") || "").trim(), open: f.get("open") === "on" };
  }

  // A confirmed fire that 119 does not have yet stays on the board until the operator has phoned.
  function awaiting119(a) {
    return a.state === "confirmed" && (a.forward_status === "manual_pending" || a.forward_status === "failed");
  }

  function visible(a) {
    const f = filterValues();
    if (f.kind && a.kind !== f.kind) return false;
    if (f.state && a.state !== f.state) return false;
    // ... and the one being worked on does not vanish from under the operator's hand when it closes.
    if (f.open && !a.is_open && !awaiting119(a) && a.id !== selected) return false;
    if (f.q) {
      const text = `${a.unit_name} ${a.component} ${a.description} ${a.device_address}`;
      if (!text.includes(f.q)) return false;
    }
    return true;
  }

  function kindBadge(kind) {
    return `<span class="k" style="background:${cfg.colours[kind] || "#6b7280"}">${FW.esc(cfg.kind_names[kind] || kind)}</span>`;
  }
  function stateBadge(state) {
    return `<span class="st st-${FW.esc(state)}">${FW.esc(cfg.state_names[state] || state)}</span>`;
  }

  function row(a) {
    const tr = document.createElement("tr");
    tr.dataset.id = a.id;
    tr.dataset.kind = a.kind;
    tr.dataset.state = a.state;
    tr.dataset.device = a.device_address;
    tr.className = (a.is_open ? "" : "closed") + (a.id === selected ? " sel" : "");
    const unit = a.unit_name || (a.unregistered ? "未登记设备" : "—");
    tr.innerHTML = `<td>${FW.time(a.first_received_at)}</td><td>${kindBadge(a.kind)}</td>` +
      `<td>${FW.esc(unit)}<br><small class="muted">${FW.esc(a.device_address)}</small></td>` +
      `<td>${FW.esc(a.component || "")}<br><small class="muted">${FW.esc(a.description || "")}</small></td>` +
      `<td>${a.occurrences}</td><td>${stateBadge(a.state)}${a.forward_status ? `<br><span class="fwd fwd-${FW.esc(a.forward_status)}" data-testid="row-forward">${FW.esc(FORWARD_NAMES[a.forward_status] || a.forward_status)}</span>` : ""}</td>`;
    tr.addEventListener("click", () => choose(a.id));
    return tr;
  }

  // What the operator must act on comes first: open alarms (and fires 119 does not have yet) above the
  // decided ones, fires above gas … above faults, then the newest.
  const KIND_RANK = Object.fromEntries(cfg.kind_order.map((k, i) => [k, i])); // (JSON objects lose order)
  function urgency(a) {
    return [a.is_open || awaiting119(a) ? 0 : 1, KIND_RANK[a.kind] ?? 99];
  }
  function byUrgency(x, y) {
    const [ux, uy] = [urgency(x), urgency(y)];
    return ux[0] - uy[0] || ux[1] - uy[1] || (y.first_received_at > x.first_received_at ? 1 : -1) || y.id - x.id;
  }

  function render() {
    const shown = [...alarms.values()].filter(visible).sort(byUrgency);
    tbody.replaceChildren(...shown.map(row));
    document.getElementById("fw-empty").hidden = shown.length > 0;
    counts();
  }

  function counts() {
    const open = [...alarms.values()].filter((a) => a.is_open && !TERMINAL.has(a.state));
    const by = {};
    for (const a of open) by[a.kind] = (by[a.kind] || 0) + 1;
    document.getElementById("fw-counts").innerHTML = Object.keys(cfg.kind_names).filter((k) => by[k])
      .map((k) => `<span data-kind="${k}" style="background:${cfg.colours[k]}">${FW.esc(cfg.kind_names[k])} ${by[k]}</span>`).join("");
    const fires = open.filter((a) => a.kind === "fire" && a.state === "new");
    banner.classList.toggle("on", fires.length > 0);
    banner.textContent = fires.length ? `火警！${fires.length} 起待受理：${fires.map((a) => a.unit_name || a.device_address).slice(0, 3).join("、")}` : "";
  }

  async function load() {
    const f = filterValues();
    const params = new URLSearchParams({ size: "300" });
    if (f.kind) params.set("kind", f.kind);
    if (f.state) params.set("state", f.state);
    if (f.open) params.set("open", "true");
    const page = await FW.api("GET", `/api/v1/firewatch/alarms?${params}`);
    let unforwarded = [];
    if (f.open && (!f.state || f.state === "confirmed")) {
      params.delete("open");
      params.set("state", "confirmed");
      params.set("size", "100");
      unforwarded = (await FW.api("GET", `/api/v1/firewatch/alarms?${params}`)).items.filter(awaiting119);
    }
    alarms.clear();
    for (const a of [...page.items, ...unforwarded]) alarms.set(a.id, a);
    render();
    table.dataset.ready = "1";
  }

  // -- live events ------------------------------------------------------------------------------
  function fromEvent(p) {
    const known = alarms.get(p.alarm_id) || {};
    return Object.assign({
      id: p.alarm_id, is_open: true, unit_name: "", component: "", description: "", occurrences: 1,
      first_received_at: p.received_at, unregistered: false,
    }, known, {
      kind: p.kind, state: p.state || known.state, region_code: p.region_code, device_address: p.device_address,
    });
  }

  function raised(p) {
    const a = Object.assign(fromEvent(p), {
      unit_name: p.unit_name, component: p.component, description: p.description, occurrences: p.occurrences,
      first_received_at: p.received_at, unregistered: p.unregistered, is_open: true,
    });
    alarms.set(a.id, a);
    render();
    const tr = tbody.querySelector(`tr[data-id="${a.id}"]`);
    if (tr) tr.classList.add("fresh");
    if (a.kind === "fire") FW.beep(3);
  }

  function updated(p) {
    const a = fromEvent(p);
    if (p.occurrences !== undefined) a.occurrences = p.occurrences;
    if (TERMINAL.has(a.state)) a.is_open = false;
    alarms.set(a.id, a);
    render();
    if (a.id === selected) select(a.id);
  }

  function cleared(p) {
    const a = fromEvent(p);
    if (p.closed) a.is_open = false;
    alarms.set(a.id, a);
    render();
    if (a.id === selected) select(a.id);
  }

  FW.stream({
    AlarmRaised: raised, AlarmUpdated: updated, AlarmCleared: cleared, AlarmEscalated: updated,
    FireConfirmed: (p) => updated(Object.assign({}, p, { state: "confirmed" })),
    UnitOffline: (p) => raised(Object.assign({ kind: "offline", state: "new", occurrences: 1, description: "用户信息传输装置离线", component: "" }, p, { received_at: p.last_seen_at })),
    resync: () => load(),
  }, document.getElementById("fw-live"));

  // -- detail and workflow ----------------------------------------------------------------------
  function flags(a) {
    const out = [];
    if (a.corroborated) out.push("多点复合确认");
    if (a.flapping) out.push("频繁抖动");
    if (a.maintenance) out.push("维保期间");
    if (a.test_mode) out.push("设备测试位");
    if (a.unregistered) out.push("未登记设备");
    if (a.cleared_at) out.push("设备已复位 " + FW.time(a.cleared_at));
    if (a.escalation_level) out.push(`已升级 ${a.escalation_level} 级`);
    return out.map((t) => `<span>${FW.esc(t)}</span>`).join("");
  }

  function allowedActions(a) {
    if (!cfg.can_operate || !a.is_open) return [];
    return ACTIONS.filter(([, , from]) => from.includes(a.state));
  }
  function actionButtons(a) {
    return allowedActions(a).map(([name, label, , cls]) =>
      `<button type="button" class="${cls}" data-action="${name}" aria-keyshortcuts="${Panel.keyOf(name)}" ` +
      `title="快捷键 ${Panel.keyOf(name)}">${label} <kbd>${Panel.keyOf(name)}</kbd></button>`).join("");
  }

  // -- selection in the URL: Back and Forward walk the alarms the operator looked at ---------------
  const PLACEHOLDER = detail.innerHTML;
  function alarmInUrl() {
    return Number(new URLSearchParams(location.search).get("alarm")) || null;
  }
  function choose(id) {
    if (id !== alarmInUrl()) {
      const url = new URL(location.href);
      url.searchParams.set("alarm", id);
      history.pushState({ alarm: id }, "", url);
    }
    select(id);
  }
  window.addEventListener("popstate", () => {
    const id = alarmInUrl();
    if (id) {
      select(id);
      return;
    }
    selected = null;
    detail.innerHTML = PLACEHOLDER;
    delete detail.dataset.alarm;
    render();
  });

  async function select(id) {
    selected = id;
    for (const tr of tbody.querySelectorAll("tr")) tr.classList.toggle("sel", Number(tr.dataset.id) === id);
    let d;
    let briefing;
    try {
      [d, briefing] = await Promise.all([
        FW.api("GET", `/api/v1/firewatch/alarms/${id}`),
        // The panel still serves the workflow when its context cannot be had.
        FW.api("GET", `/api/v1/firewatch/alarms/${id}/briefing`).catch(() => null),
      ]);
    } catch (err) {
      if (selected !== id) return;
      detail.innerHTML = `<h2>告警详情</h2><p class="error">${FW.esc(err.message)}</p>`;
      return;
    }
    if (selected !== id) return; // the operator moved on while this loaded
    alarms.set(d.id, Object.assign(alarms.get(d.id) || {}, d));
    render();
    const occ = (d.occurrences_list || []).slice(0, 20).map((o) =>
      `<tr><td>${FW.time(o.received_at)}</td><td>${FW.esc(CHANGES[o.change] || o.change)}</td><td>${FW.esc(o.description)}</td></tr>`).join("");
    const acts = (d.actions || []).map((x) =>
      `<tr><td>${FW.time(x.at)}</td><td>${FW.esc(actionName(x))}</td>` +
      `<td>${FW.esc(ACTOR_NAMES[x.actor] || x.actor)}</td><td>${stateBadge(x.to_state)}</td><td>${FW.esc(METHOD_NAMES[x.method] || x.method)} ${FW.esc(x.note)}</td></tr>`).join("");
    const buttons = actionButtons(d);
    const frame = d.raw_frame_hex || d.decoded
      ? `<details class="fw-frame" data-testid="frame-details"><summary>原始报文与解析（技术排查用）</summary>
        ${d.raw_frame_hex ? `<div class="fw-hex" data-testid="raw-frame">${FW.esc(d.raw_frame_hex.toUpperCase())}</div>` : ""}
        ${d.decoded ? `<pre class="fw-json" data-testid="decoded">${FW.esc(JSON.stringify(d.decoded, null, 2))}</pre>` : ""}</details>`
      : "";
    detail.innerHTML = `
      <h2>${kindBadge(d.kind)} ${FW.esc(d.unit_name || "未登记设备")} ${stateBadge(d.state)}</h2>
      <div class="fw-flags">${flags(d)}</div>
      ${forwardPanel(d)}
      <div class="fw-actions" id="fw-actions">${buttons}</div>
      ${buttons ? `<p class="fw-keys muted">键盘：A 受理 · V 核实 · C 确认火警 · F 误报 · T 测试 · ↑↓ 上一条/下一条（在输入框中不生效）</p>` : ""}
      <div id="fw-form"></div>
      <p class="error" id="fw-error" hidden></p>
      ${Panel.briefingHtml(briefing, d.unit_phones, cfg)}
      <h3>告警信息</h3>
      <dl>
        <dt>告警编号</dt><dd data-testid="alarm-id">${d.id}</dd>
        <dt>描述</dt><dd>${FW.esc(d.description || "—")}</dd>
        <dt>平台接收</dt><dd>${FW.time(d.first_received_at)}${d.occurrences > 1 ? `（最近 ${FW.time(d.last_received_at)}，共 ${d.occurrences} 次）` : ""}</dd>
        <dt>设备时间</dt><dd>${d.device_time ? FW.time(d.device_time) + "（设备时钟）" : "无效或缺失"}</dd>
        <dt>设备地址</dt><dd><code>${FW.esc(d.device_address)}</code></dd>
      </dl>
      ${acts ? `<h3>处置记录</h3><table class="grid"><tbody>${acts}</tbody></table>` : ""}
      ${occ ? `<h3>上报记录</h3><table class="grid"><tbody>${occ}</tbody></table>` : ""}
      ${frame}`;
    detail.dataset.alarm = d.id;
    detail.dataset.state = d.state;
    for (const b of detail.querySelectorAll("[data-action]")) b.addEventListener("click", () => act(d, b.dataset.action));
    const call = document.getElementById("fw-record-call");
    if (call) call.addEventListener("click", () => recordCallForm(d));
    // A note half-typed before Back, a reload or a live update comes back with its form.
    const draft = Panel.drafts.get(d.id);
    if (draft && allowedActions(d).some(([name]) => name === draft.action)) act(d, draft.action, draft);
    else if (draft) Panel.drafts.clear(d.id);
  }

  // -- 119 hand-over ---------------------------------------------------------------------------
  function phoneList(d) {
    if (!d.unit_phones || !d.unit_phones.length) return `<p class="muted">单位未登记联系电话，请通过其他途径联系现场。</p>`;
    return `<ul data-testid="unit-phones">${d.unit_phones.map((p) =>
      `<li>${FW.esc(p.role)} ${FW.esc(p.name)}：<a class="tel" href="tel:${FW.esc(p.phone.replace(/[^0-9+]/g, ""))}">${FW.esc(p.phone)}</a></li>`).join("")}</ul>`;
  }

  function forwardPanel(d) {
    const s = d.forward_status;
    if (d.state !== "confirmed" || !s) return "";
    const rows = d.forwardings || [];
    const done = rows.find((f) => f.status === "sent" || f.status === "manual_done");
    if (done && done.status === "manual_done") {
      return `<section class="fw-119 done" data-testid="forward-119" data-status="manual_done"><h3>已电话转警119</h3>
        <p>${FW.esc(done.called_by)} 于 ${FW.time(done.sent_at)} 拨打119，119接警员：${FW.esc(done.reference)}。` +
        `确认火警后 <b data-testid="forward-delay">${delay(done.delay_ms)}</b> 转警。${done.note ? FW.esc(done.note) : ""}</p></section>`;
    }
    if (done) {
      return `<section class="fw-119 done" data-testid="forward-119" data-status="sent"><h3>已自动转发119</h3>
        <p>${FW.time(done.sent_at)} 由联网接口送达，确认后 <b data-testid="forward-delay">${delay(done.delay_ms)}</b>` +
        `${done.reference ? `，回执 ${FW.esc(done.reference)}` : ""}。</p></section>`;
    }
    const failed = rows.filter((f) => f.status === "failed" || f.status === "manual_pending");
    const last = failed[failed.length - 1];
    const why = s === "failed"
      ? `自动转发119失败（已尝试 ${failed.length} 次，系统仍在重试）：${FW.esc(last ? last.error : "")}。请同时电话报警。`
      : (last && last.forwarder === "log"
        ? "本平台未接入119联网转警，火警信息没有发出。请立即拨打119报警，并在下方登记通话。"
        : `自动转发119已失败 ${failed.length} 次，不再重试。请立即拨打119报警，并在下方登记通话。`);
    const button = cfg.can_operate ? `<button type="button" id="fw-record-call">登记电话转警</button>` : "";
    return `<section class="fw-119 pending" data-testid="forward-119" data-status="${FW.esc(s)}">
      <h3>${s === "failed" ? "转发119失败" : "待人工电话转警"}</h3>
      <p>${why}</p>
      <p><a class="call119" href="tel:119">拨打 119</a></p>
      <p>联系单位核实现场：</p>${phoneList(d)}
      <div class="fw-actions">${button}</div></section>`;
  }

  function recordCallForm(d) {
    const form = document.getElementById("fw-form");
    const now = localInput(new Date());
    form.innerHTML = `<form class="fw-form" id="fw-call-form">
      <label>拨打人 <input name="called_by" value="${FW.esc(cfg.display_name || cfg.user)}" maxlength="100" required></label>
      <label>拨打时间（北京时间） <input name="called_at" type="datetime-local" step="1" value="${now}"
        min="${localInput(new Date(d.decided_at))}" required></label>
      <label>119接警员 / 答复（必填） <input name="answered_by" maxlength="200" required placeholder="如：接警员工号 0371，已派车"></label>
      <label>备注 <textarea name="note" rows="2" maxlength="500"></textarea></label>
      <div class="fw-actions"><button type="submit">提交：登记电话转警</button>
      <button type="button" class="secondary" id="fw-cancel">取消</button></div></form>`;
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
        await load();
        select(d.id);
      } catch (err) {
        error.hidden = false;
        error.textContent = err.message;
      }
    };
  }

  function act(a, action, draft) {
    const form = document.getElementById("fw-form");
    const needsNote = action === "verify";
    if (action === "acknowledge") return send(a, action, {});
    form.innerHTML = `<form class="fw-form" id="fw-act-form" data-action="${action}">
      ${needsNote ? `<label>核实方式 <select name="method"><option value="video">视频查看</option><option value="phone">电话联系</option></select></label>` : ""}
      <label>${needsNote ? "核实情况（必填）" : "备注"} <textarea name="note" rows="2" ${needsNote ? "required" : ""}></textarea></label>
      <div class="fw-actions"><button type="submit">提交：${ACTIONS.find((x) => x[0] === action)[1]} <kbd>Ctrl+Enter</kbd></button>
      <button type="button" class="secondary" id="fw-cancel">取消</button></div></form>`;
    const el = document.getElementById("fw-act-form");
    const note = el.elements.note;
    if (draft) {
      note.value = draft.note || "";
      if (needsNote && draft.method) el.elements.method.value = draft.method;
    }
    const keep = () => Panel.drafts.set(a.id, { action, note: note.value, method: needsNote ? el.elements.method.value : "" });
    el.addEventListener("input", keep);
    el.addEventListener("change", keep);
    note.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) el.requestSubmit();
    });
    note.focus();
    document.getElementById("fw-cancel").onclick = () => {
      Panel.drafts.clear(a.id);
      form.innerHTML = "";
    };
    el.onsubmit = (e) => {
      e.preventDefault();
      const f = new FormData(e.target);
      const body = { note: f.get("note") || "" };
      if (needsNote) body.method = f.get("method");
      send(a, action, body);
    };
  }

  async function send(a, action, body) {
    const error = document.getElementById("fw-error");
    try {
      const updatedAlarm = await FW.api("POST", `/api/v1/firewatch/alarms/${a.id}/${PATHS[action] || action}`, body);
      Panel.drafts.clear(a.id);
      alarms.set(updatedAlarm.id, Object.assign(alarms.get(updatedAlarm.id) || {}, updatedAlarm));
      render();
      select(updatedAlarm.id);
    } catch (err) {
      error.hidden = false;
      error.textContent = err.message;
    }
  }

  document.getElementById("fw-sound").addEventListener("click", (e) => {
    if (FW.enableSound()) {
      e.target.textContent = "报警声音已启用";
      e.target.setAttribute("aria-pressed", "true");
      FW.beep(1);
    }
  });
  Panel.bindKeys({
    // A key works where its button is shown (the alarm's state allows the step).
    action(name) {
      const button = detail.querySelector(`#fw-actions button[data-action="${name}"]`);
      if (!button) return false;
      button.click();
      return true;
    },
    move(step) {
      const rows = [...tbody.querySelectorAll("tr")];
      if (!rows.length) return false;
      const at = rows.findIndex((tr) => Number(tr.dataset.id) === selected);
      const next = rows[Math.min(rows.length - 1, Math.max(0, at < 0 ? 0 : at + step))];
      next.scrollIntoView({ block: "nearest" });
      choose(Number(next.dataset.id));
      return true;
    },
  });
  filters.addEventListener("change", () => load());
  filters.querySelector("[name=q]").addEventListener("input", () => render());
  load().then(() => {
    const wanted = alarmInUrl();
    if (wanted) select(wanted);
  }).catch((err) => { detail.innerHTML = `<p class="error">加载失败：${FW.esc(err.message)}</p>`; });
})();
