/* The dashboard map: incidents from /map/incidents.geojson for the visible area, coloured by
   event type, sized by fatalities, reloaded when the view changes. */
(function () {
  "use strict";
  var config = window.SAHEL_MAP;
  var COLOURS = {
    battles: "#c0392b",
    explosions_remote_violence: "#8e44ad",
    violence_against_civilians: "#d35400",
    protests: "#2980b9",
    riots: "#16a085",
    strategic_developments: "#7f8c8d"
  };
  var NAMES = {
    battles: "Battles",
    explosions_remote_violence: "Explosions/Remote violence",
    violence_against_civilians: "Violence against civilians",
    protests: "Protests",
    riots: "Riots",
    strategic_developments: "Strategic developments"
  };

  function radius(fatalities) {
    if (fatalities === null || fatalities === undefined) { return 4; }
    return Math.min(4 + Math.sqrt(fatalities) * 2, 22);
  }

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text === null || text === undefined ? "" : String(text);
    return div.innerHTML;
  }

  function popup(props) {
    var dates = props.date_start === props.date_end ? props.date_start
      : props.date_start + " – " + props.date_end;
    var fatalities = props.fatalities_best === null ? config.labels.unknown : props.fatalities_best;
    return "<strong>" + escapeHtml(props.title) + "</strong><br>" + escapeHtml(dates) + "<br>" +
      escapeHtml(NAMES[props.event_type] || props.event_type) + "<br>" +
      escapeHtml(config.labels.fatalities) + ": " + escapeHtml(fatalities) +
      (props.origin === "synthetic" ? "<br><em>" + escapeHtml(config.labels.synthetic) + "</em>" : "") +
      '<br><a href="' + escapeHtml(props.url) + '">' + escapeHtml(config.labels.details) + "</a>";
  }

  function legend() {
    var box = document.getElementById("map-legend");
    if (!box) { return; }
    box.innerHTML = Object.keys(COLOURS).map(function (key) {
      return '<span><i style="background:' + COLOURS[key] + '"></i>' + escapeHtml(NAMES[key]) + "</span>";
    }).join("");
  }

  window.sahelMapInit = function (map) {
    var layer = L.layerGroup().addTo(map);
    var status = document.getElementById("map-status");
    var pending = null;
    var generation = 0;
    map.fitBounds([[9.4, -12.3], [23.6, 16.0]]);
    legend();

    function load() {
      var bounds = map.getBounds();
      var bbox = [
        Math.max(bounds.getWest(), -180), Math.max(bounds.getSouth(), -90),
        Math.min(bounds.getEast(), 180), Math.min(bounds.getNorth(), 90)
      ].map(function (v) { return v.toFixed(4); }).join(",");
      var mine = ++generation;
      status.textContent = config.labels.loading;
      fetch(config.incidentsUrl + "?bbox=" + bbox, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          return response.json();
        })
        .then(function (data) {
          if (mine !== generation) { return; }
          layer.clearLayers();
          data.features.forEach(function (feature) {
            var props = feature.properties;
            var coords = feature.geometry.coordinates;
            L.circleMarker([coords[1], coords[0]], {
              radius: radius(props.fatalities_best),
              color: props.status === "published" ? "#222" : "#555",
              dashArray: props.status === "published" ? null : "2 2",
              weight: 1,
              fillColor: COLOURS[props.event_type] || "#444",
              fillOpacity: props.origin === "synthetic" ? 0.35 : 0.85,
              className: "incident-marker"
            }).bindPopup(popup(props)).addTo(layer);
          });
          status.textContent = data.features.length + " " + config.labels.shown +
            (data.truncated ? " (" + config.labels.truncated + ")" : "");
          document.body.dataset.incidentsLoaded = String(data.features.length);
        })
        .catch(function () {
          if (mine === generation) { status.textContent = config.labels.failed; }
        });
    }

    map.on("moveend", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(load, 250);
    });
    load();
  };
})();
