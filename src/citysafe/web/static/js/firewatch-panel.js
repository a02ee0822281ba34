// The alarm board's panel beside the list: what the operator acts on (the place, the unit's address and
// numbers, units nearby, the unit's false alarms), the half-typed notes that must survive Back/Forward and
// live updates, and the keyboard shortcuts of the workflow.
(function () {
  "use strict";
  const FW = window.FW;

  function telHref(phone) {
    return `tel:${String(phone).replace(/[^0-9+]/g, "")}`;
  }
  function tel(phone) {
    return phone ? `<a class="tel" href="${FW.esc(telHref(phone))}">${FW.esc(phone)}</a>` : "—";
  }
  function distance(metres) {
    return metres < 1000 ? gettext("%(n)s 米", { n: metres }) : gettext("%(n)s 公里", { n: (metres / 1000).toFixed(1) });
  }
  function date(iso) {
    return FW.time(iso).slice(0, 16);
  }

  // 主楼 · 3层 · B区, then the point with its device type: what a firefighter is sent to.
  function placeHtml(p) {
    const where = [p.building, p.floor, p.zone].filter(Boolean).join(" · ");
    const point = p.point ? `${p.point}${p.device_type ? `（${p.device_type}）` : ""}` : p.device_type;
    return `<dt>${gettext("位置")}</dt><dd class="fw-place" data-testid="place">${FW.esc(where || p.label || gettext("未登记部位"))}</dd>` +
      (point ? `<dt>${gettext("报警点")}</dt><dd data-testid="point">${FW.esc(point)}</dd>` : "");
  }

  // The unit's numbers (AlarmDetail.unit_phones), each a click to call where the browser can.
  function phonesHtml(phones, testid) {
    if (!phones || !phones.length) return `<p class="muted">${gettext("单位未登记联系电话，请通过其他途径联系现场。")}</p>`;
    return `<ul class="fw-phones" data-testid="${testid}">${phones.map((p) =>
      `<li>${FW.esc(p.role)} ${FW.esc(p.name)}：${tel(p.phone)}</li>`).join("")}</ul>`;
  }

  function falseAlarmsHtml(h) {
    const decided = h.decided_90_days ? gettext("（近90天共处置火警类报警 %(count)s 起）", { count: h.decided_90_days }) : "";
    if (!h.last_90_days) {
      return `<section class="fw-sub" data-testid="false-history"><h3>${gettext("本单位误报记录")}</h3>
        <p>${gettext("近90天无误报")}${h.decided_90_days ? gettext("（共处置火警类报警 %(count)s 起）", { count: h.decided_90_days }) : ""}${gettext("。")}</p></section>`;
    }
    const rows = h.recent.map((r) => `<li>${FW.esc(date(r.decided_at))} ${FW.esc(r.component || "")}` +
      `${r.note ? `：${FW.esc(r.note)}` : ""}</li>`).join("");
    const warn = h.last_30_days >= 3 ? " warn" : "";
    return `<section class="fw-sub${warn}" data-testid="false-history"><h3>${gettext("本单位误报记录")}</h3>
      <p>${gettext("近30天 %(last30)s 次，近90天 %(last90)s 次", { last30: `<b data-testid="false-30">${h.last_30_days}</b>`, last90: `<b data-testid="false-90">${h.last_90_days}</b>` })}${decided}</p>
      <ul>${rows}</ul><p class="muted small">${gettext("误报多不等于这次也是误报，仍须核实。")}</p></section>`;
  }

  function nearbyHtml(b, cfg) {
    const title = `<h3>${gettext("周边 %(radius)s 米内联网单位", { radius: b.nearby_radius_m })}</h3>`;
    if (!b.nearby.length) {
      return `<section class="fw-sub" data-testid="nearby">${title}<p class="muted">${gettext("周边 %(radius)s 米内无联网单位。", { radius: b.nearby_radius_m })}</p></section>`;
    }
    const rows = b.nearby.map((n) => {
      const open = n.open_kinds.map((k) =>
        `<span class="k" style="background:${cfg.colours[k] || "#6b7280"}">${FW.esc(cfg.kind_names[k] || k)}</span>`).join(" ");
      return `<tr data-unit="${n.id}"><td><a href="/firewatch/units/${n.id}">${FW.esc(n.name)}</a>` +
        `<br><small class="muted">${FW.esc(n.address)}</small></td><td class="num">${distance(n.distance_m)}</td>` +
        `<td>${n.contact_name ? `${FW.esc(n.contact_name)}<br>` : ""}${tel(n.contact_phone)}</td>` +
        `<td>${open || `<span class="muted">${gettext("无")}</span>`}</td></tr>`;
    }).join("");
    return `<section class="fw-sub" data-testid="nearby">${title}<table class="grid fw-nearby"><thead><tr>` +
      `<th>${gettext("单位")}</th><th>${gettext("距离")}</th><th>${gettext("联系电话")}</th><th>${gettext("当前告警")}</th></tr></thead><tbody>${rows}</tbody></table></section>`;
  }

  // The part of the panel the operator reads first; ``phones`` come with the alarm's detail.
  function briefingHtml(b, phones, cfg) {
    if (!b) return `<p class="error" data-testid="briefing-error">${gettext("单位、位置与周边信息暂时无法加载，请稍后重新选择该告警。")}</p>`;
    const unit = b.unit
      ? `<dt>${gettext("联网单位")}</dt><dd data-testid="panel-unit"><b>${FW.esc(b.unit.name)}</b> <a href="/firewatch/units/${b.unit.id}">${gettext("单位与设备")}</a></dd>` +
        `<dt>${gettext("单位地址")}</dt><dd data-testid="panel-address">${FW.esc(b.unit.address || gettext("未登记"))}</dd>`
      : `<dt>${gettext("联网单位")}</dt><dd>${gettext("未登记设备（尚未绑定联网单位）")}</dd>`;
    return `<section class="fw-where" data-testid="where"><dl>${unit}${placeHtml(b.place)}` +
      `<dt>${gettext("联系电话")}</dt><dd>${phonesHtml(phones, "panel-phones")}</dd></dl></section>` +
      (b.unit ? falseAlarmsHtml(b.false_alarms) : "") + nearbyHtml(b, cfg);
  }

  // -- drafts: a half-typed note per alarm, for this tab only ------------------------------------
  const PREFIX = "fw-draft:";
  const drafts = {
    get(id) {
      try {
        return JSON.parse(sessionStorage.getItem(PREFIX + id) || "null");
      } catch (err) {
        return null;
      }
    },
    set(id, draft) {
      sessionStorage.setItem(PREFIX + id, JSON.stringify(draft));
    },
    clear(id) {
      sessionStorage.removeItem(PREFIX + id);
    },
  };

  // -- keyboard ---------------------------------------------------------------------------------
  const KEYS = { a: "acknowledge", v: "verify", c: "confirm", f: "false_alarm", t: "test" };
  function typing(target) {
    return target instanceof HTMLElement &&
      (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
  }
  // handlers: { action(name), move(step) }; nothing happens while the operator types in a field.
  function bindKeys(handlers) {
    document.addEventListener("keydown", (e) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
      const action = KEYS[e.key.toLowerCase()];
      if (action) {
        if (handlers.action(action)) e.preventDefault();
      } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        if (handlers.move(e.key === "ArrowDown" ? 1 : -1)) e.preventDefault();
      }
    });
  }
  const KEY_OF = Object.fromEntries(Object.entries(KEYS).map(([key, action]) => [action, key.toUpperCase()]));

  window.FWPanel = { briefingHtml, phonesHtml, drafts, bindKeys, keyOf: (action) => KEY_OF[action] };
})();
