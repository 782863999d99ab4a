/* An incident's page: a small map of where it happened, drawn as precisely as it is known:
   a point (exact), a point with the radius it may lie in (near a place), or the admin area's
   outline (only the area is known). The place comes from #incident-place, written by the page. */
(function () {
  "use strict";
  var STYLE = window.SahelMapStyle;  // mapstyle.js

  window.sahelIncidentMapInit = function (map) {
    var place = JSON.parse(document.getElementById("incident-place").textContent);
    var lat = place.lat, lon = place.lon;
    var marker = L.circleMarker([lat, lon], {
      radius: 7, color: "#222", weight: 1, fillColor: STYLE.colour(place.event_type),
      fillOpacity: place.geo_precision === 3 ? 0.25 : 0.85, className: "incident-marker"
    }).addTo(map);
    marker.bindTooltip(place.label);
    map.setView([lat, lon], place.geo_precision === 1 ? 11 : 9, { animate: false });
    if (place.geo_precision === 2) {
      var circle = STYLE.nearRadius(lat, lon, place.event_type).addTo(map);
      map.fitBounds(circle.getBounds(), { padding: [20, 20], animate: false });
    }
    if (place.geo_precision === 3 && place.area) {
      fetch(place.boundaries_url, { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          var feature = data && data.features.filter(function (f) { return f.id === place.area.id; })[0];
          if (feature) {
            var outline = STYLE.areaOutline(feature, place.event_type).addTo(map);
            map.fitBounds(outline.getBounds(), { padding: [10, 10], animate: false });
            document.body.dataset.incidentMapDrawn = "area";
          }
        })
        .catch(function () { /* the point stays */ });
    }
  };
})();
