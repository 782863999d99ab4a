/* An actor's page: its incidents on a small map, as the server grouped them (a circle per grid
   cell, sized by its incidents, coloured by their most frequent event type with the colours of
   every incident map: mapstyle.js), and the "member groups" option applied as soon as it is
   ticked. The cells come from #actor-cells, written by the page. */
(function () {
  "use strict";

  var lang = document.documentElement.lang || "en";
  function number(n) {
    try { return new Intl.NumberFormat(lang).format(n); } catch (e) { return String(n); }
  }

  window.sahelActorMapInit = function (map) {
    var STYLE = window.SahelMapStyle;
    var data = JSON.parse(document.getElementById("actor-cells").textContent);
    var cellText = document.getElementById("actor-map-config").dataset.cell;
    var most = data.cells.reduce(function (m, c) { return Math.max(m, c[2]); }, 1);
    var layer = L.featureGroup();
    data.cells.forEach(function (cell) {
      var lon = cell[0], lat = cell[1], n = cell[2], killed = cell[3];
      var type = data.types[cell[4]] || ["", ""];
      var marker = L.circleMarker([lat, lon], {
        radius: 3 + 12 * Math.sqrt(n / most),
        color: "#222", weight: 0.6, fillColor: STYLE.colour(type[0]), fillOpacity: 0.75,
        className: "actor-cell"
      });
      // Every word comes from the page: the event types' labels and #actor-map-config.
      marker.bindTooltip(
        cellText.replace("{n}", number(n)).replace("{f}", number(killed)) +
        "<br>" + type[1]);
      layer.addLayer(marker);
    });
    layer.addTo(map);
    if (data.cells.length) {
      map.fitBounds(layer.getBounds(), { padding: [12, 12], maxZoom: 9, animate: false });
    }
    Array.prototype.forEach.call(document.querySelectorAll(".actor-map [data-swatch]"), function (key) {
      key.style.background = STYLE.colour(key.dataset.swatch);
    });
    document.body.dataset.actorCells = String(data.cells.length);
  };

  var members = document.querySelector(".actor-incidents input[name=members]");
  if (members) {
    members.addEventListener("change", function () { members.form.submit(); });
  }
})();
