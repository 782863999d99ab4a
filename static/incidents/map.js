/* The dashboard map. The server aggregates (incidents/mapdata.py): this script asks for the
   viewport and the filters, and draws what comes back: counts per grid cell at low zoom, the
   incidents at their points from zoom 13, with their uncertainty drawn (a radius for "near", the
   area for an area-coded incident), co-located incidents as a list, a timeline to brush a period
   on, and per-area choropleths. Every filter and the view live in the URL: a link reproduces the
   view and the back button works. Every word comes from the page (#map-config, the form, the
   legend), translated by the template; numbers and dates follow <html lang>. */
(function () {
  "use strict";
  var STYLE = window.SahelMapStyle;  // mapstyle.js
  var LANG = document.documentElement.lang || "en";
  var SAHEL = [[9.4, -12.3], [23.6, 16.0]];

  var config, names, map, form, status, errorBox;
  var incidentLayer, highlightLayer, areaLayer;
  var boundaries = {};
  var generation = 0;
  var moving = null;

  function number(value) {
    if (value === null || value === undefined) { return config.unknown; }
    try { return Number(value).toLocaleString(LANG); } catch (e) { return String(value); }
  }

  function date(iso) {
    var parts = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
    if (!parts) { return iso || ""; }
    var d = new Date(Date.UTC(+parts[1], +parts[2] - 1, +parts[3]));
    try {
      var month = new Intl.DateTimeFormat(LANG, { month: "long", timeZone: "UTC" }).format(d);
      return +parts[3] + " " + month + " " + parts[1];
    } catch (e) { return iso; }
  }

  function isoDate(d) { return d.toISOString().slice(0, 10); }

  function fill(template, values) {
    return String(template).replace(/\{(\w)\}/g, function (m, key) {
      return values[key] !== undefined ? values[key] : m;
    });
  }

  function escape(text) {
    var div = document.createElement("div");
    div.textContent = text === null || text === undefined ? "" : String(text);
    return div.innerHTML;
  }

  function shown(n) {
    var form = "other";
    try { form = new Intl.PluralRules(LANG).select(n); } catch (e) { form = n === 1 ? "one" : "other"; }
    return fill(form === "one" ? config.shownOne : config.shownOther, { n: number(n) });
  }

  // --- State: the form and the view, in the URL --------------------------------------------------

  function filterParams() {
    var params = new URLSearchParams();
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field.name === "layer" || field.disabled) { return; }
      if (field.type === "checkbox") {
        if (field.checked) { params.append(field.name, field.value); }
      } else if (field.multiple) {
        Array.prototype.forEach.call(field.selectedOptions, function (option) {
          params.append(field.name, option.value);
        });
      } else if (field.value) {
        params.append(field.name, field.value);
      }
    });
    return params;
  }

  function layerChoice() {
    var checked = form.querySelector("input[name=layer]:checked");
    return checked ? checked.value : "";
  }

  function stateParams() {
    var params = filterParams();
    var centre = map.getCenter();
    if (layerChoice()) { params.set("layer", layerChoice()); }
    params.set("z", String(map.getZoom()));
    params.set("c", centre.lat.toFixed(4) + "," + centre.lng.toFixed(4));
    return params;
  }

  function writeUrl(push) {
    var url = location.pathname + "?" + stateParams().toString();
    if (push) { history.pushState(null, "", url); } else { history.replaceState(null, "", url); }
  }

  function readUrl() {
    var params = new URLSearchParams(location.search);
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name) { return; }
      var values = params.getAll(field.name);
      if (field.type === "checkbox") {
        field.checked = values.indexOf(field.value) >= 0;
      } else if (field.type === "radio") {
        field.checked = (params.get("layer") || "") === field.value;
      } else if (field.multiple) {
        Array.prototype.forEach.call(field.options, function (option) {
          option.selected = values.indexOf(option.value) >= 0;
        });
      } else {
        field.value = values.length ? values[0] : "";
      }
    });
    var centre = (params.get("c") || "").split(",").map(Number);
    var zoom = parseInt(params.get("z"), 10);
    if (centre.length === 2 && !isNaN(centre[0]) && !isNaN(centre[1]) && !isNaN(zoom)) {
      map.setView(centre, zoom, { animate: false });
    } else {
      map.fitBounds(SAHEL, { animate: false });
    }
  }

  // The region and admin2 lists offer only the areas inside the chosen country and region; a
  // choice that falls outside them is cleared.
  function narrowAreas() {
    var country = form.elements.country.value;
    var admin1 = form.elements.admin1;
    var admin2 = form.elements.admin2;
    var regions = {};
    Array.prototype.forEach.call(admin1.options, function (option) {
      if (!option.value) { return; }
      option.hidden = !!country && option.dataset.country !== country;
      if (!option.hidden) { regions[option.value] = true; }
    });
    if (admin1.selectedOptions[0] && admin1.selectedOptions[0].hidden) { admin1.value = ""; }
    if (!admin2) { return; }  // no admin2 boundaries loaded
    Array.prototype.forEach.call(admin2.options, function (option) {
      if (!option.value) { return; }
      option.hidden = admin1.value ? option.dataset.admin1 !== admin1.value
        : !!country && !regions[option.dataset.admin1];
    });
    if (admin2.selectedOptions[0] && admin2.selectedOptions[0].hidden) { admin2.value = ""; }
  }

  function bbox() {
    var b = map.getBounds();
    return [Math.max(b.getWest(), -180), Math.max(b.getSouth(), -90),
      Math.min(b.getEast(), 180), Math.min(b.getNorth(), 90)]
      .map(function (v) { return v.toFixed(4); }).join(",");
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) {
          var error = new Error(body.error || String(response.status));
          error.bad = response.status === 400;
          throw error;
        }
        return body;
      });
    });
  }

  function showError(error) {
    errorBox.hidden = !error;
    errorBox.textContent = error ? (error.bad ? error.message : config.failed) : "";
    if (error) { status.textContent = config.failed; }
  }

  // --- Incidents: cells and points ---------------------------------------------------------------

  function dominant(types) {
    var best = 0;
    types.forEach(function (n, i) { if (n > types[best]) { best = i; } });
    return best;
  }

  function drawCells(data) {
    data.cells.forEach(function (cell) {
      var lon = cell[0], lat = cell[1], n = cell[2], killed = cell[3], imprecise = cell[4];
      var type = data.types[dominant(cell[5])];
      L.circleMarker([lat, lon], {
        radius: Math.min(6 + Math.sqrt(n) * 1.6, 34),
        color: "#222",
        weight: 1,
        dashArray: imprecise * 2 > n ? "3 3" : null,
        fillColor: STYLE.colour(type),
        fillOpacity: 0.75,
        className: "incident-cell"
      }).bindTooltip(fill(config.cell, { n: number(n), f: number(killed) }) + " · " + config.zoomIn)
        .on("click", function () { map.setView([lat, lon], Math.min(map.getZoom() + 2, 13)); })
        .addTo(incidentLayer);
    });
  }

  function pointMarker(point) {
    var lon = point[0], lat = point[1], n = point[2], precision = point[3], type = point[4];
    var style = {
      radius: n > 1 ? Math.min(7 + Math.sqrt(n) * 1.5, 26) : 7,
      color: "#222",
      weight: n > 1 ? 2 : 1,
      fillColor: STYLE.colour(type),
      fillOpacity: 0.85,
      className: n > 1 ? "incident-group" : "incident-marker"
    };
    if (precision === 3) {  // only the area is known: a hollow marker, the area on opening
      style.fillOpacity = 0.25;
      style.dashArray = "2 3";
    }
    var marker = L.circleMarker([lat, lon], style).addTo(incidentLayer);
    if (precision === 2) {  // near a place, or along a road: the radius it may lie in
      STYLE.nearRadius(lat, lon, type).addTo(incidentLayer);
    }
    if (n > 1) {
      marker.bindPopup(config.loading, { maxHeight: 320 });
      marker.on("popupopen", function (event) { openList(point, event.popup); });
    } else {
      marker.bindPopup(config.loading);
      marker.on("popupopen", function (event) { openIncident(point[6], event.popup); });
    }
  }

  // A group's incidents are asked for when it is opened: those at its point that match the
  // filters, the latest first.
  function openList(point, popup) {
    var url = config.colocatedUrl.replace(/\/0\/here\.json$/, "/" + point[6] + "/here.json");
    getJson(url + "?" + filterParams().toString()).then(function (group) {
      popup.setContent(listPopup(point, group));
      wireList(popup);
    }).catch(function () { popup.setContent(escape(config.failed)); });
  }

  function listPopup(point, group) {
    var items = group.incidents.map(function (row) {
      return '<li><a href="#" data-incident="' + row[0] + '">' + escape(row[3]) + "</a><br><small>" +
        escape(date(row[1])) + " · " + escape(names[row[2]] || row[2]) + "</small></li>";
    }).join("");
    var more = "";
    if (group.n > group.incidents.length) {
      var d = 0.0005, around = [point[0] - d, point[1] - d, point[0] + d, point[1] + d].join(",");
      var params = filterParams();
      params.set("bbox", around);
      more = '<p><a href="' + config.listUrl + "?" + params.toString() + '">' + escape(config.openList) + "</a></p>";
    }
    return '<div class="incident-list"><p><strong>' + escape(fill(config.more, { n: number(group.n) })) +
      "</strong></p><ul>" + items + "</ul>" + more + "</div>";
  }

  function wireList(popup) {
    popup.getElement().querySelectorAll("[data-incident]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        openIncident(link.dataset.incident, popup);
      });
    });
  }

  function openIncident(id, popup) {
    getJson(config.incidentUrl.replace(/0\.json$/, id + ".json")).then(function (incident) {
      popup.setContent(incidentPopup(incident));
      highlightArea(incident);
    }).catch(function () { popup.setContent(escape(config.failed)); });
  }

  function incidentPopup(i) {
    var when = i.date_start === i.date_end ? date(i.date_start) : date(i.date_start) + " – " + date(i.date_end);
    var actors = i.actors.map(function (a) {
      var roles = [a.acled_position, a.ucdp_side].filter(Boolean).join(", ");
      return "<li>" + escape(a.name) + (roles ? " <small>(" + escape(roles) + ")</small>" : "") +
        (a.claimed_responsibility ? " · " + escape(config.claimed) : "") + "</li>";
    }).join("");
    var f = i.fatalities.map(function (v) { return v === null ? "?" : number(v); }).join(" – ");
    var area = i.geo_precision === 3 && i.area ? " · " + escape(config.drawnAs) + " (" + escape(i.area.name) + ")" : "";
    return '<div class="incident-popup"><strong>' + escape(i.title) + "</strong>" +
      (i.synthetic ? " <em>(" + escape(config.synthetic) + ")</em>" : "") +
      (i.status !== "published" ? ' <span class="badge status-' + escape(i.status) + '">' + escape(i.status_label) + "</span>" : "") +
      "<br>" + escape(when) + " <small>(" + escape(config.precision) + ": " + escape(i.time_precision) + ")</small>" +
      "<br>" + escape(i.event_type_label) + (i.sub_event_type_label ? " / " + escape(i.sub_event_type_label) : "") +
      (actors ? "<ul>" + actors + "</ul>" : "") +
      escape(config.fatalities) + ": " + escape(f) +
      "<br>" + escape(i.location_name) + " <small>(" + escape(config.precision) + ": " + escape(i.geo_precision_label) + area + ")</small>" +
      '<br><a href="' + escape(i.url) + '">' + escape(config.details) + "</a></div>";
  }

  function boundariesOf(level) {
    if (!boundaries[level]) {
      boundaries[level] = getJson(config.boundariesUrl.replace(/1\.geojson$/, level + ".geojson"));
    }
    return boundaries[level];
  }

  function highlightArea(incident) {
    highlightLayer.clearLayers();
    if (incident.geo_precision !== 3 || !incident.area) { return; }
    boundariesOf(incident.area.level).then(function (data) {
      var feature = data.features.filter(function (f) { return f.id === incident.area.id; })[0];
      if (feature) {
        STYLE.areaOutline(feature, incident.event_type).addTo(highlightLayer);
      }
    });
  }

  function loadIncidents() {
    var mine = ++generation;
    var params = filterParams();
    params.set("z", String(map.getZoom()));
    params.set("bbox", bbox());
    status.textContent = config.loading;
    getJson(config.dataUrl + "?" + params.toString()).then(function (data) {
      if (mine !== generation) { return; }
      showError(null);
      incidentLayer.clearLayers();
      var total = 0;
      if (data.mode === "cells") {
        drawCells(data);
        total = data.total;
      } else {
        data.points.forEach(function (p) { total += p[2]; pointMarker(p); });
      }
      status.textContent = shown(total) + (data.truncated ? " (" + config.truncated + ")" : "");
      document.body.dataset.mapMode = data.mode;
      document.body.dataset.mapTotal = String(total);
      document.body.dataset.incidentsLoaded = String(mine);
      var link = document.getElementById("map-table-link");
      var listParams = filterParams();
      listParams.set("bbox", bbox());
      link.href = config.listUrl + "?" + listParams.toString();
      // The same set from the partner API (the signed-in user's session reads it).
      ["csv", "geojson"].forEach(function (format) {
        listParams.set("format", format);
        document.getElementById("map-download-" + format).href =
          config.apiUrl + "?" + listParams.toString();
      });
    }).catch(function (error) {
      if (mine !== generation) { return; }
      incidentLayer.clearLayers();
      showError(error);
    });
  }

  // --- Choropleth --------------------------------------------------------------------------------

  var SHADES = ["#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"];

  function loadAreas() {
    var choice = layerChoice();
    areaLayer.clearLayers();
    if (!choice) { return; }
    var level = choice.slice(-1), measure = choice.indexOf("fatalities") === 0 ? 1 : 0;
    var params = filterParams();
    params.set("level", level);
    Promise.all([boundariesOf(level), getJson(config.areasUrl + "?" + params.toString())])
      .then(function (results) {
        var shapes = results[0], counts = results[1].areas;
        var values = Object.keys(counts).map(function (k) { return counts[k][measure]; }).sort(function (a, b) { return a - b; });
        var breaks = [0.2, 0.4, 0.6, 0.8].map(function (q) { return values[Math.floor(q * (values.length - 1))] || 0; });
        L.geoJSON(shapes, {
          style: function (feature) {
            var row = counts[feature.id];
            var value = row ? row[measure] : 0;
            var shade = breaks.filter(function (b) { return value > b; }).length;
            return { color: "#555", weight: 0.6, fillColor: row ? SHADES[shade] : "#f7f7f7", fillOpacity: row ? 0.8 : 0.3 };
          },
          onEachFeature: function (feature, layer) {
            var row = counts[feature.id] || [0, 0];
            var name = LANG.indexOf("fr") === 0 ? feature.properties.name_fr : feature.properties.name;
            layer.bindTooltip(escape(name) + ": " + escape(fill(config.perArea, { n: number(row[0]), f: number(row[1]) })), { sticky: true });
          }
        }).addTo(areaLayer);
        document.body.dataset.areasLoaded = String(Object.keys(counts).length);
      }).catch(showError);
  }

  // --- Timeline ----------------------------------------------------------------------------------

  function bucketFor(params) {
    var start = params.get("date_from"), end = params.get("date_to");
    if (!start || !end) { return "month"; }
    var days = (new Date(end) - new Date(start)) / 86400000;
    return days <= 92 ? "day" : days <= 800 ? "week" : "month";
  }

  function loadTimeline() {
    var params = filterParams();
    var bucket = bucketFor(params);
    params.set("bucket", bucket);
    getJson(config.timelineUrl + "?" + params.toString()).then(function (data) {
      drawTimeline(data.series, bucket);
    }).catch(function () { drawTimeline([], bucket); });
  }

  function drawTimeline(series, bucket) {
    var box = document.getElementById("timeline");
    var width = box.clientWidth || 600, height = 70, pad = 4;
    var max = series.reduce(function (m, row) { return Math.max(m, row[1]); }, 0) || 1;
    var step = series.length ? (width - 2 * pad) / series.length : 0;
    var svgNs = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(svgNs, "svg");
    svg.setAttribute("width", width);
    svg.setAttribute("height", height + 16);
    series.forEach(function (row, i) {
      var bar = document.createElementNS(svgNs, "rect");
      var h = Math.max(1, (row[1] / max) * height);
      bar.setAttribute("x", pad + i * step);
      bar.setAttribute("y", height - h);
      bar.setAttribute("width", Math.max(step - 1, 1));
      bar.setAttribute("height", h);
      bar.setAttribute("class", "bar");
      var title = document.createElementNS(svgNs, "title");
      title.textContent = date(row[0]) + ": " + number(row[1]);
      bar.appendChild(title);
      svg.appendChild(bar);
    });
    var caption = document.createElementNS(svgNs, "text");
    caption.setAttribute("x", pad);
    caption.setAttribute("y", height + 13);
    caption.textContent = series.length
      ? date(series[0][0]) + " – " + date(series[series.length - 1][0]) + " · " + config["timeline" + bucket.charAt(0).toUpperCase() + bucket.slice(1)]
      : "";
    svg.appendChild(caption);
    var brush = document.createElementNS(svgNs, "rect");
    brush.setAttribute("class", "brush");
    brush.setAttribute("y", 0);
    brush.setAttribute("height", height);
    brush.setAttribute("width", 0);
    svg.appendChild(brush);
    box.innerHTML = "";
    box.appendChild(svg);
    document.body.dataset.timelineBars = String(series.length);

    var start = null;
    function at(event) {
      var x = event.clientX - svg.getBoundingClientRect().left;
      return Math.max(0, Math.min(series.length - 1, Math.floor((x - pad) / (step || 1))));
    }
    svg.addEventListener("pointerdown", function (event) {
      if (!series.length) { return; }
      start = at(event);
      svg.setPointerCapture(event.pointerId);
    });
    svg.addEventListener("pointermove", function (event) {
      if (start === null) { return; }
      var a = Math.min(start, at(event)), b = Math.max(start, at(event));
      brush.setAttribute("x", pad + a * step);
      brush.setAttribute("width", (b - a + 1) * step);
    });
    svg.addEventListener("pointerup", function (event) {
      if (start === null) { return; }
      var a = Math.min(start, at(event)), b = Math.max(start, at(event));
      start = null;
      var first = series[a][0], last = series[b][0];
      var end = new Date(last + "T00:00:00Z");
      if (bucket === "week") { end.setUTCDate(end.getUTCDate() + 6); }
      if (bucket === "month") { end = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() + 1, 0)); }
      form.elements.date_from.value = first;
      form.elements.date_to.value = isoDate(end);
      changed();
    });
  }

  // --- Wiring ------------------------------------------------------------------------------------

  function refresh() {
    loadIncidents();
    loadTimeline();
    loadAreas();
  }

  function changed() {
    writeUrl(true);
    refresh();
  }

  function quickRange(range) {
    var today = new Date();
    var from = "";
    if (range === "year") { from = today.getUTCFullYear() + "-01-01"; }
    else if (range !== "all") { from = isoDate(new Date(today.getTime() - (+range - 1) * 86400000)); }
    form.elements.date_from.value = from;
    form.elements.date_to.value = range === "all" ? "" : isoDate(today);
    changed();
  }

  function swatches() {
    document.querySelectorAll("#map-legend [data-event-type] i, [data-swatch]").forEach(function (swatch) {
      var type = swatch.dataset.swatch || swatch.parentNode.dataset.eventType;
      swatch.style.background = STYLE.colour(type);
    });
  }

  window.sahelMapInit = function (leafletMap) {
    map = leafletMap;
    config = document.getElementById("map-config").dataset;
    form = document.getElementById("map-filters");
    status = document.getElementById("map-status");
    errorBox = document.getElementById("map-error");
    names = {};
    document.querySelectorAll("#map-legend [data-event-type]").forEach(function (item) {
      names[item.dataset.eventType] = item.textContent.trim();
    });
    areaLayer = L.layerGroup().addTo(map);
    incidentLayer = L.layerGroup().addTo(map);
    highlightLayer = L.layerGroup().addTo(map);
    swatches();
    readUrl();

    narrowAreas();
    form.addEventListener("change", function (event) {
      if (event.target.name === "layer") { writeUrl(true); loadAreas(); return; }
      if (event.target.name === "country" || event.target.name === "admin1") { narrowAreas(); }
      changed();
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); changed(); });
    form.addEventListener("reset", function () { window.setTimeout(changed, 0); });
    form.querySelectorAll("[data-range]").forEach(function (button) {
      button.addEventListener("click", function () { quickRange(button.dataset.range); });
    });
    map.on("moveend", function () {
      window.clearTimeout(moving);
      moving = window.setTimeout(function () { writeUrl(false); loadIncidents(); }, 200);
    });
    window.addEventListener("popstate", function () { readUrl(); narrowAreas(); refresh(); });
    refresh();
  };
})();
