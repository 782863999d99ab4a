/* Offline base layer for every Leaflet map (the dashboard and the admin widgets): country and
   admin1 outlines from /map/basemap.geojson, drawn under everything else. No tile server needed. */
(function () {
  "use strict";
  window.addEventListener("map:init", function (event) {
    var map = event.detail.map;
    if (!map || map._sahelBasemap) { return; }
    map._sahelBasemap = true;
    map.createPane("basemap");
    map.getPane("basemap").style.zIndex = 250;
    fetch("/map/basemap.geojson", { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        L.geoJSON(data, {
          pane: "basemap",
          interactive: false,
          style: function (feature) {
            return feature.properties.level === 0
              ? { color: "#5b5b5b", weight: 1.6, fill: true, fillColor: "#f3efe6", fillOpacity: 1 }
              : { color: "#9a9a9a", weight: 0.8, dashArray: "3 3", fill: false };
          },
          onEachFeature: function (feature, layer) {
            if (feature.properties.level === 1) {
              layer.bindTooltip(feature.properties.name, { sticky: true, opacity: 0.8 });
            }
          }
        }).addTo(map);
      })
      .catch(function () { /* the map still works without its base layer */ });
  });
})();
