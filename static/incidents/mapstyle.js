/* What every incident map draws alike (the dashboard and an incident's page): a colour per
   ACLED event type, and how the uncertainty of a location is shown: a dashed radius for
   "near a place" (geo precision 2), the admin area's outline for an area-coded incident (3). */
(function () {
  "use strict";
  var COLOURS = {
    battles: "#c0392b",
    explosions_remote_violence: "#8e44ad",
    violence_against_civilians: "#d35400",
    protests: "#2980b9",
    riots: "#16a085",
    strategic_developments: "#7f8c8d"
  };

  var NEAR_RADIUS_METRES = 10000;

  function colour(type) { return COLOURS[type] || "#444"; }

  window.SahelMapStyle = {
    colour: colour,
    nearRadius: function (lat, lon, type) {
      return L.circle([lat, lon], {
        radius: NEAR_RADIUS_METRES, color: colour(type), weight: 1, dashArray: "4 4",
        fill: false, interactive: false, className: "incident-radius"
      });
    },
    areaOutline: function (feature, type) {
      return L.geoJSON(feature, {
        style: { color: colour(type), weight: 2, dashArray: "6 4", fillOpacity: 0.12, className: "incident-area" },
        interactive: false
      });
    }
  };
})();
