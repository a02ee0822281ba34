// The live alarm board: the list from the API, kept current by the event stream (fires first); the
// selected alarm's panel (firewatch-panel.js) in the URL, so Back and Forward move between alarms; the
// operator workflow (受理 → 核实 → 确认火警 / 误报 / 测试) by button or key.
(function () {
  "use strict";
  const FW = window.FW;
  const Panel = window.FWPanel;
  const FW119 = window.FW119;
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
    ["acknowledge", gettext("受理"), ["new"], ""],
    ["verify", gettext("核实"), ["acknowledged"], "warn"],
    ["confirm", gettext("确认火警"), ["verified"], ""],
    ["false_alarm", gettext("误报"), ["acknowledged", "verified"], "secondary"],
    ["test", gettext("测试"), ["new", "acknowledged", "verified"], "secondary"],
  ];
  const PATHS = { false_alarm: "false-alarm" };
  const CHANGES = { raise: gettext("报警"), occur: gettext("再次报警"), clear: gettext("复位") };
  // 处置记录: the operator's steps and what the system did on its own (timer, 119, notifications).
  const ACTION_NAMES = Object.assign(Object.fromEntries(ACTIONS.map(([name, label]) => [name, label])), {
    remind: gettext("超时提醒"), escalate: gettext("逐级上报"), forward_119: gettext("转发119"), notify: gettext("已通知"),
    forward_119_phone: gettext("人工电话转警"),
  });
  // What the system's own steps came to (data.status), when that is not "done".
  const OUTCOME_NAMES = {
    forward_119: { failed: gettext("转发119失败"), manual_pending: gettext("未转发119") },
    notify: { failed: gettext("通知失败"), not_sent: gettext("未发出通知") },
  };
  const METHOD_NAMES = { video: gettext("视频查看"), phone: gettext("电话") };
  const ACTOR_NAMES = {
    "system:timer": gettext("系统定时任务"), "system:log": gettext("系统（未接外发通道）"), "system:webhook": gettext("系统（联网接口）"),
  };
  // A confirmed fire's hand-over to 119 (AlarmRead.forward_status).
  const FORWARD_NAMES = {
    sent: gettext("已转发119"), failed: gettext("转发119失败，重试中"), manual_pending: gettext("待人工电话转警"), manual_done: gettext("已电话转警119"),
  };

  function actionName(x) {
    const outcome = OUTCOME_NAMES[x.action] && x.data && OUTCOME_NAMES[x.action][x.data.status];
    return outcome || ACTION_NAMES[x.action] || x.action;
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
    const unit = a.unit_name || (a.unregistered ? gettext("未登记设备") : "—");
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
    banner.textContent = fires.length ? gettext("火警！%(count)s 起待受理：%(units)s", { count: fires.length, units: fires.map((a) => a.unit_name || a.device_address).slice(0, 3).join("、") }) : "";
  }

  async function load() {
    const f = filterValues();
    const params = new URLSearchParams({ size: "300" });
    if (f.kind) params.set("kind", f.kind);
    if (f.state) params.set("state", f.state);
    if (f.open) params.set("open", "true");
    // Both lists are asked for at once: the board is ready when the slower one answers, not after both in turn.
    const listed = FW.api("GET", `/api/v1/firewatch/alarms?${params}`);
    let confirmed = Promise.resolve({ items: [] });
    if (f.open && (!f.state || f.state === "confirmed")) {
      const more = new URLSearchParams(params);
      more.delete("open");
      more.set("state", "confirmed");
      more.set("size", "100");
      confirmed = FW.api("GET", `/api/v1/firewatch/alarms?${more}`);
    }
    const [page, waiting] = await Promise.all([listed, confirmed]);
    const unforwarded = waiting.items.filter(awaiting119);
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

  // A live change to the selected alarm redraws its panel; the 119 call being recorded is not redrawn
  // away under the operator's hands (its submit redraws the panel anyway).
  function refreshSelected(id) {
    if (id === selected && !document.getElementById("fw-call-form")) select(id);
  }

  function updated(p) {
    const a = fromEvent(p);
    if (p.occurrences !== undefined) a.occurrences = p.occurrences;
    if (TERMINAL.has(a.state)) a.is_open = false;
    alarms.set(a.id, a);
    render();
    refreshSelected(a.id);
  }

  function cleared(p) {
    const a = fromEvent(p);
    if (p.closed) a.is_open = false;
    alarms.set(a.id, a);
    render();
    refreshSelected(a.id);
  }

  FW.stream({
    AlarmRaised: raised, AlarmUpdated: updated, AlarmCleared: cleared, AlarmEscalated: updated,
    FireConfirmed: (p) => updated(Object.assign({}, p, { state: "confirmed" })),
    UnitOffline: (p) => raised(Object.assign({ kind: "offline", state: "new", occurrences: 1, description: gettext("用户信息传输装置离线"), component: "" }, p, { received_at: p.last_seen_at })),
    resync: () => load(),
  }, document.getElementById("fw-live"));

  // -- detail and workflow ----------------------------------------------------------------------
  function flags(a) {
    const out = [];
    if (a.corroborated) out.push(gettext("多点复合确认"));
    if (a.flapping) out.push(gettext("频繁抖动"));
    if (a.maintenance) out.push(gettext("维保期间"));
    if (a.test_mode) out.push(gettext("设备测试位"));
    if (a.unregistered) out.push(gettext("未登记设备"));
    if (a.cleared_at) out.push(gettext("设备已复位 %(time)s", { time: FW.time(a.cleared_at) }));
    if (a.escalation_level) out.push(gettext("已升级 %(level)s 级", { level: a.escalation_level }));
    return out.map((t) => `<span>${FW.esc(t)}</span>`).join("");
  }

  function allowedActions(a) {
    if (!cfg.can_operate || !a.is_open) return [];
    return ACTIONS.filter(([, , from]) => from.includes(a.state));
  }
  function actionButtons(a) {
    return allowedActions(a).map(([name, label, , cls]) =>
      `<button type="button" class="${cls}" data-action="${name}" aria-keyshortcuts="${Panel.keyOf(name)}" ` +
      `title="${gettext("快捷键 %(key)s", { key: Panel.keyOf(name) })}">${label} <kbd>${Panel.keyOf(name)}</kbd></button>`).join("");
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
      detail.innerHTML = `<h2>${gettext("告警详情")}</h2><p class="error">${FW.esc(err.message)}</p>`;
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
      ? `<details class="fw-frame" data-testid="frame-details"><summary>${gettext("原始报文与解析（技术排查用）")}</summary>
        ${d.raw_frame_hex ? `<div class="fw-hex" data-testid="raw-frame">${FW.esc(d.raw_frame_hex.toUpperCase())}</div>` : ""}
        ${d.decoded ? `<pre class="fw-json" data-testid="decoded">${FW.esc(JSON.stringify(d.decoded, null, 2))}</pre>` : ""}</details>`
      : "";
    // A live update re-renders the panel; the operator typing in its form keeps the cursor there.
    const typingHere = detail.contains(document.activeElement) && document.activeElement.tagName === "TEXTAREA";
    detail.innerHTML = `
      <h2>${kindBadge(d.kind)} ${FW.esc(d.unit_name || gettext("未登记设备"))} ${stateBadge(d.state)}</h2>
      <div class="fw-flags">${flags(d)}</div>
      ${FW119.panel(d, cfg)}
      <div class="fw-actions" id="fw-actions">${buttons}</div>
      ${buttons ? `<p class="fw-keys muted">${gettext("键盘：A 受理 · V 核实 · C 确认火警 · F 误报 · T 测试 · ↑↓ 上一条/下一条（在输入框中不生效）")}</p>` : ""}
      <div id="fw-form"></div>
      <p class="error" id="fw-error" hidden></p>
      ${Panel.briefingHtml(briefing, d.unit_phones, cfg)}
      <h3>${gettext("告警信息")}</h3>
      <dl>
        <dt>${gettext("告警编号")}</dt><dd data-testid="alarm-id">${d.id}</dd>
        <dt>${gettext("描述")}</dt><dd>${FW.esc(d.description || "—")}</dd>
        <dt>${gettext("平台接收")}</dt><dd>${FW.time(d.first_received_at)}${d.occurrences > 1 ? gettext("（最近 %(time)s，共 %(count)s 次）", { time: FW.time(d.last_received_at), count: d.occurrences }) : ""}</dd>
        <dt>${gettext("设备时间")}</dt><dd>${d.device_time ? FW.time(d.device_time) + gettext("（设备时钟）") : gettext("无效或缺失")}</dd>
        <dt>${gettext("设备地址")}</dt><dd><code>${FW.esc(d.device_address)}</code></dd>
      </dl>
      ${acts ? `<h3>${gettext("处置记录")}</h3><table class="grid"><tbody>${acts}</tbody></table>` : ""}
      ${occ ? `<h3>${gettext("上报记录")}</h3><table class="grid"><tbody>${occ}</tbody></table>` : ""}
      ${frame}`;
    detail.dataset.alarm = d.id;
    detail.dataset.state = d.state;
    for (const b of detail.querySelectorAll("[data-action]")) b.addEventListener("click", () => act(d, b.dataset.action));
    const call = document.getElementById("fw-record-call");
    if (call) call.addEventListener("click", () => FW119.callForm(d, cfg, async () => {
      await load();
      select(d.id);
    }));
    // A note half-typed before Back, a reload or a live update comes back with its form.
    const draft = Panel.drafts.get(d.id);
    if (draft && allowedActions(d).some(([name]) => name === draft.action)) act(d, draft.action, draft, typingHere);
    else if (draft) Panel.drafts.clear(d.id);
  }

  // draft: the form's earlier content (sessionStorage); focus: whether the note takes the cursor, as it
  // does when the operator opens the form or was typing in it.
  function act(a, action, draft, focus = !draft) {
    const form = document.getElementById("fw-form");
    const needsNote = action === "verify";
    if (action === "acknowledge") return send(a, action, {});
    form.innerHTML = `<form class="fw-form" id="fw-act-form" data-action="${action}">
      ${needsNote ? `<label>${gettext("核实方式")} <select name="method"><option value="video">${gettext("视频查看")}</option><option value="phone">${gettext("电话联系")}</option></select></label>` : ""}
      <label>${needsNote ? gettext("核实情况（必填）") : gettext("备注")} <textarea name="note" rows="2" ${needsNote ? "required" : ""}></textarea></label>
      <div class="fw-actions"><button type="submit">${gettext("提交：%(action)s", { action: ACTIONS.find((x) => x[0] === action)[1] })} <kbd>Ctrl+Enter</kbd></button>
      <button type="button" class="secondary" id="fw-cancel">${gettext("取消")}</button></div></form>`;
    const el = document.getElementById("fw-act-form");
    const note = el.elements.note;
    if (draft) {
      note.value = draft.note || "";
      if (needsNote && draft.method) el.elements.method.value = draft.method;
    }
    const keep = () => Panel.drafts.set(a.id, { action, note: note.value, method: needsNote ? el.elements.method.value : "" });
    keep(); // an open form is itself worth keeping: a live update re-renders the panel
    el.addEventListener("input", keep);
    el.addEventListener("change", keep);
    note.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) el.requestSubmit();
    });
    if (focus) note.focus();
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
      e.target.textContent = gettext("报警声音已启用");
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
  }).catch((err) => { detail.innerHTML = `<p class="error">${gettext("加载失败：")}${FW.esc(err.message)}</p>`; });
})();
