/* The incident form (incidents/editing.py): the point set by a click on the map or by a place
   found in the gazetteer (asked only after a pause in typing, stale answers dropped), typed
   coordinates kept as typed; only the chosen event type's sub-event types; inline rows added from
   their <template>; the estimates editable only when overridden; possible duplicates fetched when
   the dates, the point or the actors change; and a question before leaving with unsaved changes.
   Every text shown comes from the page (translated there). */
(function () {
  "use strict";
  var form = document.getElementById("incident-form");
  if (!form) { return; }
  var PREFIX = "incident-";
  var SEARCH_PAUSE_MS = 300;
  var DUPLICATES_PAUSE_MS = 600;

  function field(name) { return form.elements[PREFIX + name]; }
  function text(key) { return form.dataset[key] || ""; }
  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  // --- unsaved changes ------------------------------------------------------------------------
  var dirty = form.dataset.dirty === "true";  // a form sent back with errors holds unsaved typing
  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("change", function () { dirty = true; });
  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (event) {
    if (!dirty) { return; }
    event.preventDefault();
    event.returnValue = text("leave");
    return text("leave");
  });
  function markDirty() { dirty = true; }

  // --- event type -> its sub-event types --------------------------------------------------------
  var eventType = field("event_type"), subType = field("sub_event_type");
  function offerSubTypes() {
    var chosen = eventType.value;
    Array.prototype.forEach.call(subType.options, function (option) {
      if (!option.value) { return; }
      var fits = !chosen || option.dataset.eventType === chosen;
      option.hidden = !fits;
      option.disabled = !fits;
    });
    var selected = subType.options[subType.selectedIndex];
    if (selected && selected.disabled) { subType.value = ""; }
  }
  eventType.addEventListener("change", offerSubTypes);
  offerSubTypes();

  // --- the estimates: editable only when overridden -------------------------------------------
  var override = field("fatalities_override"), grid = document.getElementById("override-estimates");
  function showOverride() { grid.hidden = !override.checked; }
  override.addEventListener("change", showOverride);
  showOverride();

  // --- inline rows ------------------------------------------------------------------------------
  document.querySelectorAll("button.add-row").forEach(function (button) {
    button.addEventListener("click", function () {
      var prefix = button.dataset.formset;
      var total = form.elements[prefix + "-TOTAL_FORMS"];
      var index = parseInt(total.value, 10);
      var template = document.getElementById(prefix + "-template");
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      var holder = document.getElementById(prefix + "-rows");
      var target = holder.tagName === "TABLE" ? holder.tBodies[0] : holder;
      var scratch = document.createElement(target.tagName === "TBODY" ? "tbody" : "div");
      scratch.innerHTML = html.trim();
      var row = scratch.firstElementChild;
      var number = row.querySelector(".number");
      if (number) { number.textContent = String(index + 1); }
      target.appendChild(row);
      total.value = String(index + 1);
      markDirty();
      var first = row.querySelector("input:not([type=hidden]), select, textarea");
      if (first) { first.focus(); }
    });
  });

  // --- actors: the registry's names (datalist) to ids ------------------------------------------
  var actorIds = {};
  document.querySelectorAll("#actor-choices option").forEach(function (option) {
    actorIds[option.value] = option.dataset.id;
  });
  function chosenActorIds() {
    var ids = [];
    form.querySelectorAll("input[list=actor-choices]").forEach(function (input) {
      var id = actorIds[input.value];
      if (id && ids.indexOf(id) < 0) { ids.push(id); }
    });
    return ids;
  }

  // --- the point: map, coordinates, place search ------------------------------------------------
  var lat = field("latitude"), lon = field("longitude");
  var map = null, marker = null;

  function typedPoint() {
    var y = parseFloat(String(lat.value).replace(",", "."));
    var x = parseFloat(String(lon.value).replace(",", "."));
    if (isNaN(y) || isNaN(x) || y < -90 || y > 90 || x < -180 || x > 180) { return null; }
    return [y, x];
  }
  function showPoint(pan) {
    if (!map) { return; }
    var point = typedPoint();
    if (!point) {
      if (marker) { map.removeLayer(marker); marker = null; }
      return;
    }
    if (marker) { marker.setLatLng(point); } else { marker = L.marker(point).addTo(map); }
    if (pan) { map.setView(point, Math.max(map.getZoom(), 8), { animate: false }); }
    document.body.dataset.editPoint = point.join(",");
  }
  function setPoint(y, x) {
    // From the map or the gazetteer; what an editor types is never rewritten.
    lat.value = y;
    lon.value = x;
    field("place_id").value = "";
    markDirty();
    showPoint(true);
    checkDuplicates();
  }

  window.sahelEditMapInit = function (leafletMap) {
    map = leafletMap;
    map.on("click", function (event) {
      setPoint(event.latlng.lat.toFixed(5), event.latlng.lng.toFixed(5));
    });
    showPoint(true);
    document.body.dataset.editMapReady = "true";
  };
  [lat, lon].forEach(function (input) {
    input.addEventListener("input", function () { showPoint(false); });
    input.addEventListener("change", function () { showPoint(true); checkDuplicates(); });
  });

  var search = document.getElementById("place-search");
  var list = document.getElementById("place-candidates");
  var status = document.getElementById("place-status");
  var areas = document.getElementById("place-areas");
  var pending = null;

  function candidateLabel(c) {
    var where = [c.admin2, c.admin1, c.country_code].filter(Boolean).join(", ");
    var shown = c.name === c.preferred_name ? c.name : c.name + " (" + c.preferred_name + ")";
    var kind = text("feature" + c.feature_class.toUpperCase());
    var code = c.feature_class + "." + c.feature_code;
    return { name: shown, where: where, kind: kind ? kind + " (" + code + ")" : code };
  }
  function choose(c) {
    lat.value = String(c.lat);
    lon.value = String(c.lon);
    field("place_id").value = c.place_id;
    field("location_name").value = c.preferred_name || c.name;
    if (c.country_code && field("country").querySelector("option[value='" + c.country_code + "']")) {
      field("country").value = c.country_code;
    }
    if (c.geo_precision) { field("geo_precision").value = String(c.geo_precision); }
    if (c.ucdp_where_prec) { field("ucdp_where_prec").value = String(c.ucdp_where_prec); }
    areas.textContent = [c.admin2, c.admin1].filter(Boolean).join(", ");
    list.hidden = true;
    search.setAttribute("aria-expanded", "false");
    status.textContent = "";
    markDirty();
    showPoint(true);
    checkDuplicates();
  }
  function showCandidates(matches) {
    list.innerHTML = "";
    matches.forEach(function (c, n) {
      var label = candidateLabel(c);
      var item = document.createElement("li");
      item.setAttribute("role", "option");
      item.id = "place-candidate-" + n;
      item.tabIndex = -1;
      item.className = "candidate";
      var name = document.createElement("strong");
      name.textContent = label.name;
      var where = document.createElement("span");
      where.className = "where";
      where.textContent = label.where;
      var kind = document.createElement("small");
      kind.textContent = label.kind;
      item.append(name, " ", where, " ", kind);
      item.addEventListener("click", function () { choose(c); });
      item.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); choose(c); }
      });
      list.appendChild(item);
    });
    list.hidden = matches.length === 0;
    search.setAttribute("aria-expanded", String(matches.length > 0));
    status.textContent = matches.length ? "" : text("noPlaces");
  }
  var askGazetteer = debounce(function (query) {
    if (pending) { pending.abort(); }  // a newer question makes the older answer useless
    if (query.length < 2) { showCandidates([]); status.textContent = ""; return; }
    pending = new AbortController();
    status.textContent = text("searching");
    var url = form.dataset.geocodeUrl + "?limit=8&q=" + encodeURIComponent(query);
    document.body.dataset.placeSearches = String(+(document.body.dataset.placeSearches || 0) + 1);
    fetch(url, { credentials: "same-origin", signal: pending.signal, headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response); })
      .then(function (data) { showCandidates(data.matches || []); })
      .catch(function (error) {
        if (error && error.name === "AbortError") { return; }
        status.textContent = text("searchFailed");
      });
  }, SEARCH_PAUSE_MS);
  search.addEventListener("input", function () { askGazetteer(search.value.trim()); });
  search.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      // Enter in the search box picks the first candidate, never submits the form.
      event.preventDefault();
      var first = list.querySelector(".candidate");
      if (first) { first.click(); }
    } else if (event.key === "ArrowDown") {
      var top = list.querySelector(".candidate");
      if (top) { event.preventDefault(); top.focus(); }
    }
  });
  list.addEventListener("keydown", function (event) {
    var current = document.activeElement;
    if (event.key === "ArrowDown" && current.nextElementSibling) {
      event.preventDefault(); current.nextElementSibling.focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      (current.previousElementSibling || search).focus();
    }
  });

  // --- possible duplicates ----------------------------------------------------------------------
  var duplicates = document.getElementById("duplicates");
  var duplicatesRequest = null;
  function showDuplicates(items) {
    duplicates.innerHTML = "";
    if (!items.length) {
      var none = document.createElement("li");
      none.className = "hint";
      none.textContent = text("noDuplicates");
      duplicates.appendChild(none);
    }
    items.forEach(function (item) {
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = item.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = "#" + item.id + " " + item.title;
      li.appendChild(link);
      var facts = [item.date_start, item.location_name].filter(Boolean);
      if (item.distance_km !== null && item.distance_km !== undefined) {
        facts.push(Math.round(item.distance_km * 10) / 10 + " " + text("km"));
      }
      if (item.shared_actors && item.shared_actors.length) { facts.push(item.shared_actors.join(", ")); }
      var small = document.createElement("small");
      small.textContent = " " + facts.join(" · ");
      li.appendChild(small);
      duplicates.appendChild(li);
    });
    document.body.dataset.duplicatesShown = String(items.length);
  }
  var checkDuplicates = debounce(function () {
    var params = new URLSearchParams();
    var start = field("date_start").value, end = field("date_end").value;
    if (start) { params.set("date_start", start); }
    if (end) { params.set("date_end", end); }
    var point = typedPoint();
    if (point) { params.set("lat", point[0]); params.set("lon", point[1]); }
    chosenActorIds().forEach(function (id) { params.append("actor", id); });
    if (form.dataset.incidentId) { params.set("exclude", form.dataset.incidentId); }
    if (!params.has("date_start") && !point) { return; }
    if (duplicatesRequest) { duplicatesRequest.abort(); }
    duplicatesRequest = new AbortController();
    fetch(form.dataset.duplicatesUrl + "?" + params.toString(), {
      credentials: "same-origin", signal: duplicatesRequest.signal
    })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response); })
      .then(function (data) { showDuplicates(data.duplicates || []); })
      .catch(function () { /* the form works without the hint */ });
  }, DUPLICATES_PAUSE_MS);
  ["date_start", "date_end"].forEach(function (name) {
    field(name).addEventListener("change", checkDuplicates);
  });
  form.addEventListener("change", function (event) {
    if (event.target.matches("input[list=actor-choices]")) { checkDuplicates(); }
  });
  if (form.dataset.incidentId || typedPoint()) { checkDuplicates(); }
})();
