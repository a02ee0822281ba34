// The live alarm board: the list from the API, kept current by the event stream; detail with the raw
// frame and its decode; the operator workflow (受理 → 核实 → 确认火警 / 误报 / 测试).
(function () {
  "use strict";
  const FW = window.FW;
  const cfg = JSON.parse(document.getElementById("fw-config").textContent);
  const table = document.getElementById("fw-alarms");
  const tbody = table.querySelector("tbody");
  const detail = document.getElementById("fw-detail");
  const filters = document.getElementById("fw-filters");
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
  });

  function filterValues() {
    const f = new FormData(filters);
    return { kind: f.get("kind") || "", state: f.get("state") || "", q: (f.get("q") || "").trim(), open: f.get("open") === "on" };
  }

  function visible(a) {
    const f = filterValues();
    if (f.kind && a.kind !== f.kind) return false;
    if (f.state && a.state !== f.state) return false;
    if (f.open && !a.is_open) return false;
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
      `<td>${a.occurrences}</td><td>${stateBadge(a.state)}</td>`;
    tr.addEventListener("click", () => select(a.id));
    return tr;
  }

  function render() {
    const shown = [...alarms.values()].filter(visible)
      .sort((x, y) => (y.first_received_at > x.first_received_at ? 1 : -1) || y.id - x.id);
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
    alarms.clear();
    for (const a of page.items) alarms.set(a.id, a);
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

  function actionButtons(a) {
    if (!cfg.can_operate || !a.is_open) return "";
    return ACTIONS.filter(([, , from]) => from.includes(a.state))
      .map(([name, label, , cls]) => `<button type="button" class="${cls}" data-action="${name}">${label}</button>`).join("");
  }

  async function select(id) {
    selected = id;
    for (const tr of tbody.querySelectorAll("tr")) tr.classList.toggle("sel", Number(tr.dataset.id) === id);
    let d;
    try {
      d = await FW.api("GET", `/api/v1/firewatch/alarms/${id}`);
    } catch (err) {
      detail.innerHTML = `<h2>告警详情</h2><p class="error">${FW.esc(err.message)}</p>`;
      return;
    }
    alarms.set(d.id, Object.assign(alarms.get(d.id) || {}, d));
    const occ = (d.occurrences_list || []).slice(0, 20).map((o) =>
      `<tr><td>${FW.time(o.received_at)}</td><td>${FW.esc(CHANGES[o.change] || o.change)}</td><td>${FW.esc(o.description)}</td></tr>`).join("");
    const acts = (d.actions || []).map((x) =>
      `<tr><td>${FW.time(x.at)}</td><td>${FW.esc(ACTION_NAMES[x.action] || x.action)}</td>` +
      `<td>${FW.esc(x.actor)}</td><td>${stateBadge(x.to_state)}</td><td>${FW.esc(x.method)} ${FW.esc(x.note)}</td></tr>`).join("");
    detail.innerHTML = `
      <h2>${kindBadge(d.kind)} ${FW.esc(d.unit_name || "未登记设备")} ${stateBadge(d.state)}</h2>
      <div class="fw-flags">${flags(d)}</div>
      <dl>
        <dt>告警编号</dt><dd data-testid="alarm-id">${d.id}</dd>
        <dt>部位</dt><dd>${FW.esc(d.component || "—")}</dd>
        <dt>描述</dt><dd>${FW.esc(d.description || "—")}</dd>
        <dt>设备地址</dt><dd><code>${FW.esc(d.device_address)}</code></dd>
        <dt>平台接收</dt><dd>${FW.time(d.first_received_at)}${d.occurrences > 1 ? `（最近 ${FW.time(d.last_received_at)}，共 ${d.occurrences} 次）` : ""}</dd>
        <dt>设备时间</dt><dd>${d.device_time ? FW.time(d.device_time) + "（设备时钟）" : "无效或缺失"}</dd>
        <dt>联网单位</dt><dd>${d.unit_id ? `<a href="/firewatch/units/${d.unit_id}">查看单位与设备</a>` : "—"}</dd>
      </dl>
      <div class="fw-actions" id="fw-actions">${actionButtons(d)}</div>
      <div id="fw-form"></div>
      <p class="error" id="fw-error" hidden></p>
      ${d.raw_frame_hex ? `<h2>原始报文</h2><div class="fw-hex" data-testid="raw-frame">${FW.esc(d.raw_frame_hex.toUpperCase())}</div>` : ""}
      ${d.decoded ? `<h2>报文解析</h2><pre class="fw-json" data-testid="decoded">${FW.esc(JSON.stringify(d.decoded, null, 2))}</pre>` : ""}
      ${occ ? `<h2>上报记录</h2><table class="grid"><tbody>${occ}</tbody></table>` : ""}
      ${acts ? `<h2>处置记录</h2><table class="grid"><tbody>${acts}</tbody></table>` : ""}`;
    detail.dataset.alarm = d.id;
    detail.dataset.state = d.state;
    for (const b of detail.querySelectorAll("[data-action]")) b.addEventListener("click", () => act(d, b.dataset.action));
  }

  function act(a, action) {
    const form = document.getElementById("fw-form");
    const needsNote = action === "verify";
    if (action === "acknowledge") return send(a, action, {});
    form.innerHTML = `<form class="fw-form" id="fw-act-form">
      ${needsNote ? `<label>核实方式 <select name="method"><option value="video">视频查看</option><option value="phone">电话联系</option></select></label>` : ""}
      <label>${needsNote ? "核实情况（必填）" : "备注"} <textarea name="note" rows="2" ${needsNote ? "required" : ""}></textarea></label>
      <div class="fw-actions"><button type="submit">提交：${ACTIONS.find((x) => x[0] === action)[1]}</button>
      <button type="button" class="secondary" id="fw-cancel">取消</button></div></form>`;
    document.getElementById("fw-cancel").onclick = () => { form.innerHTML = ""; };
    document.getElementById("fw-act-form").onsubmit = (e) => {
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
  filters.addEventListener("change", () => load());
  filters.querySelector("[name=q]").addEventListener("input", () => render());
  load().then(() => {
    const wanted = Number(new URLSearchParams(location.search).get("alarm"));
    if (wanted) select(wanted);
  }).catch((err) => { detail.innerHTML = `<p class="error">加载失败：${FW.esc(err.message)}</p>`; });
})();
