// The district base layer every console map shares: the boundaries of a region's districts (its children), or
// the region's own outline when it has none drawn below it, behind everything else and not clickable. A basemap
// is drawn only when one is configured, so these outlines are what the reader finds the place by.
// Returns a promise of the layer (null when the region has no boundary); each outline carries class district-base.
(function () {
  "use strict";
  const style = { color: "#7f1d1d", weight: 1, fillColor: "#fff7ed", fillOpacity: 0.35, className: "district-base" };
  const get = (url) => fetch(url, { credentials: "same-origin" }).then((r) => (r.ok ? r.json() : null));
  window.citysafeDistrictLayer = function (map, code) {
    if (!code) return Promise.resolve(null);
    const region = encodeURIComponent(code);
    return get(`/api/v1/regions/${region}/children/boundaries`)
      .then((fc) => (fc && fc.features && fc.features.length ? fc : get(`/api/v1/regions/${region}/boundary`)))
      .then((data) => {
        if (!data) return null;
        const layer = L.geoJSON(data, {
          style: () => style, interactive: false,
        }).addTo(map);
        layer.bringToBack();
        return layer;
      })
      .catch(() => null);
  };
})();
