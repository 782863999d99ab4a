/* The dashboard map: incidents from /map/incidents.geojson for the visible area, coloured by
   event type, sized by fatalities, reloaded when the view changes. Every word it shows is read
   from the page (#map-config, #map-legend), translated there by the template; numbers and dates
   are formatted for the page's language (<html lang>). */
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
  var LANG = document.documentElement.lang || "en";

  function labels() {
    var element = document.getElementById("map-config");
    return element ? element.dataset : {};
  }

  // Event type -> its name, from the legend the template rendered.
  function eventTypeNames() {
    var names = {};
    document.querySelectorAll("#map-legend [data-event-type]").forEach(function (item) {
      names[item.dataset.eventType] = item.textContent.trim();
    });
    return names;
  }

  function formatNumber(value) {
    try { return Number(value).toLocaleString(LANG); } catch (e) { return String(value); }
  }

  // "2024-10-21" -> "21 October 2024" / "21 octobre 2024", like the pages' dates (j F Y).
  function formatDate(iso) {
    var parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    if (!parts) { return iso; }
    var date = new Date(Date.UTC(+parts[1], +parts[2] - 1, +parts[3]));
    try {
      var month = new Intl.DateTimeFormat(LANG, { month: "long", timeZone: "UTC" }).format(date);
      return +parts[3] + " " + month + " " + parts[1];
    } catch (e) { return iso; }
  }

  // The "{n} incidents shown" form for n, by the language's plural rule (as gettext's for en, fr).
  function shown(config, n) {
    var form = "other";
    try { form = new Intl.PluralRules(LANG).select(n); } catch (e) { form = n === 1 ? "one" : "other"; }
    var text = form === "one" ? config.shownOne : config.shownOther;
    return String(text).replace("{n}", formatNumber(n));
  }

  function radius(fatalities) {
    if (fatalities === null || fatalities === undefined) { return 4; }
    return Math.min(4 + Math.sqrt(fatalities) * 2, 22);
  }

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text === null || text === undefined ? "" : String(text);
    return div.innerHTML;
  }

  function popup(config, names, props) {
    var dates = props.date_start === props.date_end ? formatDate(props.date_start)
      : formatDate(props.date_start) + " – " + formatDate(props.date_end);
    var fatalities = props.fatalities_best === null ? config.unknown : formatNumber(props.fatalities_best);
    return "<strong>" + escapeHtml(props.title) + "</strong><br>" + escapeHtml(dates) + "<br>" +
      escapeHtml(names[props.event_type] || props.event_type) + "<br>" +
      escapeHtml(String(config.fatalities).replace("{n}", fatalities)) +
      (props.origin === "synthetic" ? "<br><em>" + escapeHtml(config.synthetic) + "</em>" : "") +
      '<br><a href="' + escapeHtml(props.url) + '">' + escapeHtml(config.details) + "</a>";
  }

  // Colours the legend's swatches (the names are the template's).
  function legend() {
    document.querySelectorAll("#map-legend [data-event-type] i").forEach(function (swatch) {
      swatch.style.background = COLOURS[swatch.parentNode.dataset.eventType] || "#444";
    });
  }

  window.sahelMapInit = function (map) {
    var config = labels();
    var names = eventTypeNames();
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
      status.textContent = config.loading;
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
            }).bindPopup(popup(config, names, props)).addTo(layer);
          });
          status.textContent = shown(config, data.features.length) +
            (data.truncated ? " (" + config.truncated + ")" : "");
          document.body.dataset.incidentsLoaded = String(data.features.length);
        })
        .catch(function () {
          if (mine === generation) { status.textContent = config.failed; }
        });
    }

    map.on("moveend", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(load, 250);
    });
    load();
  };
})();
