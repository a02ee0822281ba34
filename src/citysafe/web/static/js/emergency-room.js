// The incident room's live timeline: every entry committed after the page was drawn arrives by server-sent
// events (/api/v1/emergency/incidents/{id}/stream) and is appended in sequence order, in every open browser.
(function () {
  "use strict";
  // The map: the incident's division as the base layer (a basemap only when one is configured), the place marked.
  const box = document.getElementById("em-map");
  const FW_escape = (text) => String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  if (box && typeof L !== "undefined") {
    const at = box.dataset.lat ? [parseFloat(box.dataset.lat), parseFloat(box.dataset.lon)] : null;
    // Drawn where it stays: no zoom animation from a default view.
    const map = L.map(box, { zoomSnap: 0.25, scrollWheelZoom: false }).setView(at || [32.06, 118.79], at ? 14 : 11);
    if (box.dataset.tiles) L.tileLayer(box.dataset.tiles).addTo(map);
    if (at) {
      const place = L.circleMarker(at, { radius: 10, color: "#7f1d1d", weight: 3, fillColor: "#dc2626", fillOpacity: 0.9 })
        .addTo(map);
      // What the platform knows around it (/nearby): risk sources by their level's colour, open hazards, fire units.
      const kinds = {
        risk_source: { name: gettext("风险源"), colour: "#92400e" },
        hazard: { name: gettext("未整改隐患"), colour: "#b45309" },
        fire_unit: { name: gettext("联网单位"), colour: "#1d4ed8" },
      };
      const levelColours = { red: "#dc2626", orange: "#f97316", yellow: "#eab308", blue: "#3b82f6" };
      const incidentId = box.dataset.incident;
      // The dispatched teams' routes (solid, by state) and, for whoever may dispatch, the suggested ones (dashed).
      const stateColours = { on_the_way: "#d97706", on_scene: "#16a34a", released: "#9ca3af" };
      const routes = L.featureGroup().addTo(map);
      const drawRoute = (feature, style) => {
        const line = L.geoJSON(feature, { style }).addTo(routes);
        const p = feature.properties || {};
        line.bindTooltip(FW_escape(p.team_name || ""));
        line.eachLayer((layer) => { const el = layer.getElement && layer.getElement(); if (el) el.setAttribute("data-route", p.state || "suggested"); });
        return line;
      };
      // The 调派 form with the nearest teams is loaded after the page (routing every team is not done on each
      // render); its routes come with it. A refusal is shown in the panel as the server words it.
      const panel = document.querySelector("[data-testid=dispatch-panel][data-src]");
      const panelLoaded = panel
        ? fetch(panel.dataset.src, { credentials: "same-origin", headers: { Accept: "text/html" } })
          .then((r) => (r.ok ? r.text() : Promise.reject(new Error(String(r.status)))))
          .then((html) => { panel.innerHTML = html; })
          .catch(() => {
            const p = document.createElement("p");
            p.className = "warn";
            p.setAttribute("role", "alert");
            p.textContent = panel.dataset.failed;
            panel.replaceChildren(p);
          })
        : Promise.resolve();
      Promise.all([
        fetch(`/api/v1/emergency/incidents/${encodeURIComponent(incidentId)}/dispatches`, { credentials: "same-origin" })
          .then((r) => (r.ok ? r.json() : [])),
        panelLoaded,
      ])
        .then(([orders]) => {
          orders.forEach((o) => drawRoute(o.route, { color: stateColours[o.state] || "#d97706", weight: 4, opacity: 0.85 }));
          const form = document.querySelector("[data-testid=dispatch-form]");
          JSON.parse((form && form.dataset.routes) || "[]")
            .forEach((route) => drawRoute(route, { color: "#2563eb", weight: 3, dashArray: "6 6", opacity: 0.7 }));
        })
        .then(() => {
          // Show the whole of every route with the scene, without a zoom animation (the page is read at once).
          if (routes.getLayers().length) map.fitBounds(routes.getBounds().extend(place.getLatLng()), { padding: [24, 24], animate: false });
          place.bringToFront();
          box.dataset.routes = "1";
        })
        .catch(() => {});
      fetch(`/api/v1/emergency/incidents/${encodeURIComponent(incidentId)}/nearby?radius_m=3000`, { credentials: "same-origin" })
        .then((r) => (r.ok ? r.json() : null))
        .then((fc) => {
          if (!fc) return;
          const counts = {};
          fc.features.forEach((f) => {
            const p = f.properties;
            const kind = kinds[p.kind];
            if (!kind) return;
            counts[p.kind] = (counts[p.kind] || 0) + 1;
            const [lon, lat] = f.geometry.coordinates;
            const fill = p.kind === "risk_source" ? (levelColours[p.level] || "#9ca3af") : kind.colour;
            const marker = L.circleMarker([lat, lon], { radius: 6, color: kind.colour, weight: 2, fillColor: fill, fillOpacity: 0.8 })
              .addTo(map);
            const level = p.level_name ? `（${FW_escape(p.level_name)}）` : "";
            marker.bindTooltip(`${FW_escape(p.name)} · ${kind.name}${level} · ${p.distance_m} ${gettext("米")}`);
            const el = marker.getElement();
            if (el) el.setAttribute("data-kind", p.kind);
          });
          place.bringToFront();  // the incident stays visible above a unit at the same address
          const legend = document.querySelector("[data-testid=nearby-legend]");
          if (legend) {
            legend.textContent = Object.keys(kinds).map((k) => `${kinds[k].name} ${counts[k] || 0}`).join(" · ");
            legend.dataset.ready = "1";
          }
        })
        .catch(() => {});
    }
    fetch("/api/v1/regions/" + encodeURIComponent(box.dataset.region) + "/boundary", { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : null))
      .then((feature) => {
        if (!feature) return;
        const outline = L.geoJSON(feature, { style: { color: "#7f1d1d", weight: 1.5, fillOpacity: 0.04 }, interactive: false })
          .addTo(map).bringToBack();
        if (!at) map.fitBounds(outline.getBounds(), { padding: [10, 10] });
      })
      .catch(() => {});
  }

  const list = document.querySelector("[data-testid=timeline][data-stream]");
  if (!list || !window.EventSource) return;
  const indicator = document.querySelector("[data-testid=live]");
  const kindNames = {};
  document.querySelectorAll("#em-kind-names [data-kind]").forEach((el) => { kindNames[el.dataset.kind] = el.textContent; });
  let last = parseInt(list.dataset.after || "0", 10) || 0;

  function show(on) {
    if (!indicator) return;
    indicator.classList.toggle("on", on);
    indicator.textContent = on ? indicator.dataset.on : indicator.dataset.off;
  }

  function add(entry) {
    if (!entry || entry.seq <= last) return;
    last = entry.seq;
    const item = document.createElement("li");
    item.dataset.seq = String(entry.seq);
    item.className = "kind-" + entry.kind + " fresh";
    const kind = document.createElement("strong");
    kind.textContent = kindNames[entry.kind] || entry.kind_name;
    const when = document.createElement("div");
    when.className = "when";
    const actor = document.createElement("span");
    actor.lang = "zh";
    actor.textContent = entry.actor;
    when.append(entry.at_local + " · ", actor);
    const text = document.createElement("div");
    text.lang = "zh";
    text.textContent = entry.text;
    item.append(kind, when, text);
    list.append(item);
    if (["activation", "command", "task"].includes(entry.kind)) refreshCommand();
  }

  // The command panel follows the timeline: redrawn from the page as the server now renders it, unless the
  // reader is typing in one of its forms (nothing typed is thrown away).
  async function refreshCommand() {
    const panel = document.querySelector("[data-testid=command]");
    if (!panel) return;
    const busy = Array.from(panel.querySelectorAll("input, textarea")).some(
      (el) => el.value || el === document.activeElement);
    if (busy) return;
    try {
      const r = await fetch(window.location.pathname, { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (!r.ok) return;
      const fresh = new DOMParser().parseFromString(await r.text(), "text/html").querySelector("[data-testid=command]");
      if (fresh) panel.replaceWith(fresh);
    } catch (e) {
      // offline for a moment: the next entry redraws it
    }
  }

  function connect() {
    const source = new EventSource(list.dataset.stream + "?after=" + last, { withCredentials: true });
    source.addEventListener("hello", () => show(true));
    source.addEventListener("entry", (e) => add(JSON.parse(e.data)));
    source.addEventListener("resync", () => window.location.reload());
    source.onerror = () => {
      show(false);
      if (source.readyState === EventSource.CLOSED) {
        // Reconnect from the last entry shown (EventSource gives up on an error answer such as 503).
        window.setTimeout(connect, 3000);
      }
    };
  }
  connect();
})();
