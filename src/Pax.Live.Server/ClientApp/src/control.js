// The control room: every place on a map and in a list, the alert queue, and a place's detail.
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './control.css';
import {
  AlertBook, Live, age, alertText, announce, announceError, api, auditText, clearErrors, clock, dateTime, el, fill, isLive,
  kindsOrder, language, levels, logout, number, onLanguage, serverNow, showConnection, signIn, t, term, translate, uiConfig,
  wireLanguagePicker,
} from './common.js';
import { showSitePlans } from './siteplans.js';
import { GridClusters } from './clusters.js';
import { VirtualList } from './virtuallist.js';

const $ = (id) => document.getElementById(id);
const sparkWindow = 15 * 60 * 1000;

const places = new Map(); // id → PlaceView, kept current by PlaceStatusChanged
const samples = new Map(); // id → Map(kind → [[t], [v]]) over the last 15 minutes, for the sparklines
const markers = new Map();
const book = new AlertBook();
let config = { tileUrl: '', tileAttribution: '', staleAfterSeconds: 60 };
let map;
let selectedPlace = null;
let selectedAlert = null;
let charts = [];
let me;
let guardsByArea = new Map(); // area → the guards the control room can dispatch there

// ---------- places ----------

// Status changes are taken in as they come and drawn once per animation frame: a thousand changes at once cost one
// sort (when a level changed), the rows in view and the markers that changed.
const dirty = new Set(); // ids of the places changed since the last frame
let levelsChanged = false;
let framePending = false;
let placeList; // the VirtualList of #place-list
let clusters = null; // the map's GridClusters while the board has more than labelledUpTo places

const levelOrder = { alert: 0, elevated: 1, unknown: 2, calm: 3 };
const collator = new Intl.Collator();
let namesRanked = false;

/** Each place's rank by name, so that the sort after a level change compares numbers, not strings. */
function rankNames() {
  const byName = [...places.values()].sort((a, b) => collator.compare(a.name, b.name));
  for (let i = 0; i < byName.length; i++) byName[i].nameRank = i;
  namesRanked = true;
}

async function loadPlaces() {
  for (const view of await api('/api/places')) places.set(view.id, view);
  namesRanked = false;
  const bounds = L.latLngBounds([...places.values()].map((p) => [p.latitude, p.longitude]));
  if (bounds.isValid()) map.fitBounds(bounds.pad(0.3), { maxZoom: 16, animate: false });
  renderPlaces();
}

function applyStatus(change) {
  const place = places.get(change.placeId);
  if (!place) {
    // A place added while the page is open: fetch it whole.
    api(`/api/places/${encodeURIComponent(change.placeId)}`).then((view) => {
      places.set(view.id, view);
      namesRanked = false;
      renderPlaces();
    }, () => {});
    return;
  }
  if (place.level !== change.level) levelsChanged = true;
  place.level = change.level;
  place.values = change.values;
  place.updatedAt = change.updatedAt;
  record(change.placeId, change.values, change.updatedAt);
  dirty.add(place.id);
  if (!framePending) {
    framePending = true;
    requestAnimationFrame(drawChanges);
  }
}

/** One frame's worth of status changes: the list sorted again if a level changed, the changed rows and markers. */
function drawChanges() {
  framePending = false;
  const ids = [...dirty];
  dirty.clear();
  const reorder = levelsChanged;
  levelsChanged = false;
  if (reorder) placeList.setItems(shownPlaces(), ids);
  else placeList.refresh(ids);
  placeList.flush();
  const changed = ids.map((id) => places.get(id));
  if (!clusters) {
    for (const place of changed) renderMarker(place);
  } else if (reorder && $('filter-level').value) {
    clusters.setPlaces(shownPlaces());
  } else {
    for (const place of changed) if (clusters.isSingle(place.id)) renderMarker(place);
    if (reorder) clusters.changed(changed);
  }
  if (selectedPlace && ids.includes(selectedPlace)) {
    updateCharts();
    refreshDetail(selectedPlace);
  }
}

function record(placeId, values, at) {
  const time = (at ? Date.parse(at) : Date.now()) / 1000;
  let kinds = samples.get(placeId);
  if (!kinds) samples.set(placeId, (kinds = new Map()));
  for (const [kind, value] of Object.entries(values ?? {})) {
    let series = kinds.get(kind);
    if (!series) kinds.set(kind, (series = [[], []]));
    if (series[0].length && series[0][series[0].length - 1] >= time) continue;
    series[0].push(time);
    series[1].push(value);
  }
  const cutoff = (Date.now() - sparkWindow) / 1000;
  for (const series of kinds.values()) {
    while (series[0].length && series[0][0] < cutoff) {
      series[0].shift();
      series[1].shift();
    }
  }
}

function isStale(place) {
  return !isLive() || place.level === 'unknown' || !place.updatedAt
    || serverNow() - Date.parse(place.updatedAt) > config.staleAfterSeconds * 1000;
}

// The periodic kinds a place has a threshold for, as its thresholds document names them.
const thresholdKinds = ['people', 'motion', 'loiter', 'sound'];

/** Why a place is at its level: the open alerts' kinds, and each kind at or over its threshold with both numbers. */
function levelWhy(place) {
  const reasons = [];
  // The queue's open alerts, and the place's own open causes (an alert resolved while its cause still sounds).
  const alertKinds = new Set([...book.open.values()].filter((a) => a.placeId === place.id).map((a) => a.kind));
  if (place.level === 'alert') for (const open of place.openAlerts ?? []) alertKinds.add(open.kind);
  for (const kind of alertKinds) reasons.push(t('why.alertCause', term('kind', kind)));
  for (const kind of thresholdKinds) {
    const threshold = place.thresholds?.[kind];
    const value = place.values?.[kind];
    if (threshold === null || threshold === undefined || value === null || value === undefined) continue;
    if (value >= threshold) reasons.push(t('why.over', term('kind', kind), number(value, value % 1 ? 2 : 0), number(threshold, threshold % 1 ? 2 : 0)));
  }
  if (reasons.length) return reasons.join(', ');
  if (place.level === 'unknown') return t('why.unknown');
  return place.level === 'calm' ? t('why.calm') : t('why.holding');
}

function visible(place) {
  const area = $('filter-area').value;
  const level = $('filter-level').value;
  return (!area || place.area === area) && (!level || place.level === level);
}

/** The places the filters let through, in the list's order: alert, elevated, unknown, calm, then by name. */
function shownPlaces() {
  if (!namesRanked) rankNames();
  const area = $('filter-area').value;
  const level = $('filter-level').value;
  const shown = [];
  for (const place of places.values()) {
    if ((!area || place.area === area) && (!level || place.level === level)) shown.push(place);
  }
  return shown.sort((a, b) => levelOrder[a.level] - levelOrder[b.level] || a.nameRank - b.nameRank);
}

function setUpFilters() {
  const areaSelect = $('filter-area');
  const levelSelect = $('filter-level');
  const area = areaSelect.value;
  const level = levelSelect.value;
  const areas = [...new Set([...places.values()].map((p) => p.area).filter(Boolean))].sort((a, b) => a.localeCompare(b));
  areaSelect.replaceChildren(el('option', { value: '' }, t('allAreas')), ...areas.map((a) => el('option', { value: a }, a)));
  levelSelect.replaceChildren(el('option', { value: '' }, t('allLevels')), ...levels.map((l) => el('option', { value: l }, t(`level.${l}`))));
  areaSelect.value = area;
  levelSelect.value = level;
  if (!areaSelect.dataset.wired) {
    areaSelect.dataset.wired = levelSelect.dataset.wired = '1';
    // Another filter is another list: it is read from its top.
    const filtered = () => {
      $('place-scroller').scrollTop = 0;
      renderPlaces();
    };
    areaSelect.addEventListener('change', filtered);
    levelSelect.addEventListener('change', filtered);
  }
}

function setUpList() {
  placeList = new VirtualList($('place-scroller'), $('place-list'), { key: (place) => place.id, render: renderRow });
}

/** Everything again: the list's order and the rows in view, and the map. */
function renderPlaces() {
  const shown = shownPlaces();
  placeList.setItems(shown);
  if (places.size <= labelledUpTo) {
    clusters?.clear();
    clusters = null;
    for (const place of places.values()) renderMarker(place);
    return;
  }
  if (!clusters) {
    for (const id of [...markers.keys()]) removeMarker(id);
    clusters = new GridClusters(map, {
      show: renderMarker,
      hide: removeMarker,
      title: (count, level) => t('clusterTitle', count, term('level', level)),
    });
  }
  clusters.setPlaces(shown);
}

/** The rows in view again, now (selection, alerts, ages); the order stays. */
function refreshRows() {
  placeList.refresh();
  placeList.flush();
}

/** Fills a row's element, or brings it up to date: the element and its button stay, so that a focus stays too. */
function renderRow(place, li) {
  const stale = isStale(place);
  const alerts = [...book.open.values()].filter((a) => a.placeId === place.id).length;
  const why = levelWhy(place);
  li.className = `place level-${place.level}${stale ? ' stale' : ''}`;
  li.dataset.place = place.id;
  li.dataset.level = place.level;
  let button = li.firstElementChild;
  if (!button) {
    button = el('button', { type: 'button', onclick: () => selectPlace(place.id) });
    li.append(button);
  }
  button.setAttribute('aria-pressed', String(selectedPlace === place.id));
  button.setAttribute('aria-label', `${place.name}, ${t(`level.${place.level}`)}${stale ? `, ${t('stale')}` : ''}: ${why}, ${t('dataAge')} ${age(place.updatedAt)}`);
  fill(button,
    el('span', { class: 'dot', 'aria-hidden': 'true' }),
    el('span', { class: 'name' }, place.name),
    el('span', { class: 'level' }, t(`level.${place.level}`)),
    alerts ? el('span', { class: 'badge' }, String(alerts)) : null,
    el('span', { class: 'why' }, why),
    el('span', { class: 'age' }, stale ? `${t('stale')} · ` : '', age(place.updatedAt)));
}

// ---------- map ----------

function setUpMap() {
  map = L.map('map', { zoomControl: true, attributionControl: Boolean(config.tileUrl), preferCanvas: false });
  if (config.tileUrl) {
    L.tileLayer(config.tileUrl, { attribution: config.tileAttribution, maxZoom: 19 }).addTo(map);
  } else {
    $('map-note').hidden = false;
  }
  map.setView([59.3, 15.2], 13);
  const legend = L.control({ position: 'bottomleft' });
  legend.onAdd = () => el('div', { id: 'map-legend', class: 'map-legend' });
  legend.addTo(map);
  renderLegend();
}

/** What the colours and the dashed rings mean, in the page's language. */
function renderLegend() {
  const legend = $('map-legend');
  if (!legend) return;
  fill(legend, ...levels.map((level) => el('span', {}, el('i', { class: `swatch ${level}`, 'aria-hidden': 'true' }), term('level', level))),
    el('span', {}, el('i', { class: 'swatch stale', 'aria-hidden': 'true' }), t('stale')));
}

// Names stand beside the places while a board is small enough to read them; beyond that the tooltip names them.
const labelledUpTo = 200;

const levelColours = { calm: '#3fb950', elevated: '#d29922', alert: '#f85149', unknown: '#8b949e' };

function renderMarker(place) {
  let marker = markers.get(place.id);
  const stale = isStale(place);
  const style = {
    radius: place.level === 'alert' ? 14 : 10,
    color: stale ? '#b1bac4' : '#e6edf3',
    weight: 2,
    fillColor: levelColours[place.level],
    fillOpacity: stale ? 0.5 : 0.9,
    dashArray: stale ? '4 3' : null,
    className: `place-marker place-${place.id} marker-${place.level}`,
  };
  if (!marker) {
    marker = L.circleMarker([place.latitude, place.longitude], style).addTo(map);
    marker.on('click', () => selectPlace(place.id));
    // Read when it opens: what it says is current then, and a change costs nothing until someone looks.
    marker.bindTooltip(() => markerTooltip(places.get(place.id)));
    markers.set(place.id, marker);
  } else {
    marker.setStyle(style);
    const path = marker.getElement();
    if (path) path.setAttribute('class', `leaflet-interactive ${style.className}`);
    if (marker.isTooltipOpen()) marker.getTooltip().update();
  }
  marker.stale = stale;
  marker.setStyle({ opacity: visible(place) ? 1 : 0.15, fillOpacity: visible(place) ? style.fillOpacity : 0.1 });
  // An element, not a string: Leaflet would read a string as HTML.
  if (places.size <= labelledUpTo && !marker.label) {
    marker.label = L.tooltip({ permanent: true, direction: 'right', offset: [10, 0], className: 'place-label' })
      .setLatLng([place.latitude, place.longitude]).setContent(el('span', {}, place.name)).addTo(map);
  }
}

function markerTooltip(place) {
  return el('span', {}, el('strong', {}, place.name), ` – ${t(`level.${place.level}`)}${isStale(place) ? ` (${t('stale')})` : ''}`,
    el('br'), levelWhy(place), el('br'), `${t('dataAge')}: ${age(place.updatedAt)}`);
}

function removeMarker(id) {
  const marker = markers.get(id);
  if (!marker) return;
  marker.remove();
  marker.label?.remove();
  markers.delete(id);
}

/** The markers drawn whose place went stale, or fresh, with time alone. */
function restyleStaleMarkers() {
  for (const [id, marker] of markers) {
    const place = places.get(id);
    if (place && isStale(place) !== marker.stale) renderMarker(place);
  }
}

// ---------- place detail ----------

async function selectPlace(id) {
  selectedPlace = id;
  refreshRows();
  const place = places.get(id);
  try {
    Object.assign(place, await api(`/api/places/${encodeURIComponent(id)}`));
  } catch (e) {
    announceError(e);
  }
  await seedSparklines(id);
  renderDetail();
  $('detail').focus();
  loadHistory(id);
}

async function seedSparklines(id) {
  try {
    const from = new Date(Date.now() - sparkWindow).toISOString();
    const history = await api(`/api/places/${encodeURIComponent(id)}/history?from=${encodeURIComponent(from)}&step=1m`);
    let kinds = samples.get(id);
    if (!kinds) samples.set(id, (kinds = new Map()));
    for (const [kind, points] of Object.entries(history.series ?? {})) {
      const live = kinds.get(kind) ?? [[], []];
      const first = live[0][0] ?? Infinity;
      const older = points.filter((p) => Date.parse(p.t) / 1000 < first);
      kinds.set(kind, [[...older.map((p) => Date.parse(p.t) / 1000), ...live[0]], [...older.map((p) => p.mean), ...live[1]]]);
    }
  } catch {
    // No history (memory storage): the sparklines start from now.
  }
}

let detailFetchedAt = 0;

/** The open place's facts again; its devices' last-heard times come with a fresh read, at most every five seconds. */
function refreshDetail(placeId) {
  if (selectedPlace !== placeId) return;
  const place = places.get(placeId);
  const why = $('detail-why');
  if (why && place) why.textContent = `${t(`level.${place.level}`)}: ${levelWhy(place)}`;
  renderDetailFacts();
  if (isLive() && Date.now() - detailFetchedAt > 5000) {
    detailFetchedAt = Date.now();
    api(`/api/places/${encodeURIComponent(placeId)}`).then((view) => {
      const current = places.get(placeId);
      // The live values are newer than the read: keep them.
      const { level, values, updatedAt } = current;
      Object.assign(current, view);
      if (updatedAt && (!view.updatedAt || Date.parse(updatedAt) > Date.parse(view.updatedAt))) Object.assign(current, { level, values, updatedAt });
      if (selectedPlace === placeId) renderDetailFacts();
    }, () => {});
  }
}

function renderDetail() {
  const place = places.get(selectedPlace);
  const detail = $('detail');
  if (!place) {
    detail.hidden = true;
    return;
  }
  detail.hidden = false;
  map.invalidateSize();
  fill(detail,
    el('header', {},
      el('h2', { id: 'detail-title' }, place.name, ' ', el('span', { class: `pill level-${place.level}` }, t(`level.${place.level}`))),
      el('button', { type: 'button', class: 'close', onclick: closeDetail, 'aria-label': t('close') }, '×')),
    el('p', { class: 'meta' }, `${term('placeKind', place.kind)} · ${t('area')}: ${place.area ?? '–'} · ${t('dataAge')}: `,
      el('span', { id: 'detail-age', dataset: { agePlace: place.id } }, age(place.updatedAt))),
    el('p', { id: 'detail-why', class: 'why' }, `${t(`level.${place.level}`)}: ${levelWhy(place)}`),
    el('h3', {}, t('lastMinutes')),
    el('div', { id: 'sparks', class: 'sparks' }),
    el('div', { id: 'facts' }),
    el('h3', {}, t('history')),
    el('div', { id: 'history' }, '…'),
  );
  drawCharts();
  renderDetailFacts();
}

function closeDetail() {
  selectedPlace = null;
  $('detail').hidden = true;
  map.invalidateSize();
  for (const chart of charts) chart.destroy();
  charts = [];
  refreshRows();
}

function renderDetailFacts() {
  const place = places.get(selectedPlace);
  const facts = $('facts');
  if (!place || !facts) return;
  const onSite = [...book.open.values()].filter((a) => a.placeId === place.id && a.state === 'on-site');
  const focus = place.focus && Date.parse(place.focus.until) > Date.now() ? place.focus : null;
  const minutes = el('select', { id: 'focus-minutes', 'aria-label': t('minutes') }, ...[30, 60, 120, 240].map((m) => el('option', { value: m }, `${m} min`)));
  const why = el('input', { id: 'focus-why', placeholder: t('why'), 'aria-label': t('why'), maxlength: 500 });
  // The facts are drawn again at every status of the place: what the operator has chosen and typed stays.
  const typed = $('focus-why');
  const typing = typed !== null && document.activeElement === typed;
  if (typed) why.value = typed.value;
  if ($('focus-minutes')) minutes.value = $('focus-minutes').value;
  fill(facts,
    el('h3', {}, t('devices')),
    devicesOf(place).length
      ? el('ul', { class: 'devices' }, ...devicesOf(place).map((d) => el('li', { class: d.online ? 'online' : 'offline' },
        `${d.deviceId}: ${d.online ? t('online') : t('offline')}, ${t('lastSeen')} `, el('span', { dataset: { age: d.lastSeen } }, age(d.lastSeen)))))
      : el('p', {}, t('noDevices')),
    el('h3', {}, t('guardPresence')),
    el('p', {}, onSite.length ? t('guardOnSite', onSite.map((a) => a.guard).join(', ')) : t('noGuardOnSite')),
    el('p', {}, `${t('lastPatrol')}: `, el('span', { dataset: { age: place.lastGuardVisit ?? '' } }, age(place.lastGuardVisit))),
    el('p', {}, `${t('lastStaffVisit')}: `, el('span', { dataset: { age: place.lastStaffVisit ?? '' } }, age(place.lastStaffVisit))),
    el('h3', {}, t('focus')),
    focus
      ? el('div', { class: 'row' }, el('p', {}, t('focusOn', clock(focus.until), focus.by, focus.why)),
        el('button', { type: 'button', onclick: () => setFocus(place.id, 0, ''), ...offAttrs() }, t('focusEnd')))
      : el('form', { class: 'row', onsubmit: (e) => { e.preventDefault(); setFocus(place.id, Number(minutes.value), why.value); } },
        el('span', {}, t('focusOff')), minutes, why, el('button', { type: 'submit', ...offAttrs() }, t('focusStart'))),
    offlineNote(),
    place.snoozes?.length
      ? el('div', {}, el('h3', {}, t('snoozes')), el('ul', {}, ...place.snoozes.map((s) =>
        el('li', {}, t('snoozedUntil', t(`kind.${s.kind}`), clock(s.until), s.by, s.why)))))
      : null,
  );
  if (typing && why.isConnected) {
    why.focus();
    why.setSelectionRange(typed.selectionStart, typed.selectionEnd);
  }
}

// What a guard's observation or check-in enters a place under: it is a person's report, not a device.
const fieldSources = new Set(['observation']);

function devicesOf(place) {
  return (place.devices ?? []).filter((d) => !fieldSources.has(d.deviceId));
}

/** Attributes of an action's button: disabled, with the reason, while the page is not live. */
function offAttrs() {
  return isLive() ? {} : { disabled: true, title: t('actionsOff'), 'aria-describedby': 'offline-banner' };
}

function offlineNote() {
  return isLive() ? null : el('p', { class: 'offline-note' }, t('actionsOff'));
}

async function setFocus(id, minutes, why) {
  try {
    await api(`/api/places/${encodeURIComponent(id)}/focus`, { method: 'POST', body: { minutes, why } });
    Object.assign(places.get(id), await api(`/api/places/${encodeURIComponent(id)}`));
    announce(t('done'));
    renderDetailFacts();
  } catch (e) {
    announceError(e);
  }
}

async function loadHistory(id) {
  const target = $('history');
  try {
    const from = new Date(Date.now() - 6 * 3600 * 1000).toISOString();
    const history = await api(`/api/places/${encodeURIComponent(id)}/history?from=${encodeURIComponent(from)}&step=15m`);
    if (selectedPlace !== id) return;
    const changes = history.levels.slice(-12).reverse();
    fill(target, changes.length
      ? el('ol', { class: 'history' }, ...changes.map((c) => el('li', {}, `${dateTime(c.at)}: `,
        el('span', { class: `pill level-${c.from}` }, t(`level.${c.from}`)), ' → ', el('span', { class: `pill level-${c.to}` }, t(`level.${c.to}`)))))
      : el('p', {}, t('noHistory')));
  } catch {
    fill(target, el('p', {}, t('historyOff')));
  }
}

// Kinds that come as events rather than levels: drawn as markers, never as an area that looks like minutes.
const eventKinds = new Set(['impulse', 'fire', 'report', 'tamper']);

function chartOptions(kind, place, series) {
  const threshold = place?.thresholds?.[kind];
  const events = eventKinds.has(kind);
  const alertTimes = [...book.open.values(), ...book.resolved.values()]
    .filter((a) => a.placeId === place?.id).map((a) => Date.parse(a.raisedAt) / 1000);
  const axis = { stroke: '#b1bac4', grid: { stroke: '#30363d', width: 1 }, ticks: { stroke: '#30363d', width: 1 }, font: '11px system-ui' };
  return {
    width: 300, height: 120, legend: { show: false }, cursor: { show: false },
    scales: {
      x: { time: true, range: () => [serverNow() / 1000 - sparkWindow / 1000, serverNow() / 1000] },
      y: { range: (u, min, max) => [Math.min(0, min ?? 0), Math.max(max ?? 1, threshold ?? 0, events ? 1 : 0) * 1.15 || 1] },
    },
    axes: [
      { ...axis, values: (u, ticks) => ticks.map((s) => new Date(s * 1000).toLocaleTimeString(language() === 'sv' ? 'sv-SE' : 'en-GB', { hour: '2-digit', minute: '2-digit' })) },
      { ...axis, size: 40, values: (u, ticks) => ticks.map((v) => number(v, v % 1 ? 1 : 0)) },
    ],
    series: [
      {},
      events
        ? { stroke: '#f85149', width: 0, paths: () => null, points: { show: true, size: 9, fill: '#f85149', stroke: '#f85149' } }
        : { stroke: '#58a6ff', width: 1.5, fill: 'rgba(88,166,255,0.15)', points: { show: series[0].length < 3, size: 6 } },
    ],
    hooks: {
      draw: [(u) => {
        const { ctx } = u;
        const { left, top, width, height } = u.bbox;
        ctx.save();
        if (threshold !== null && threshold !== undefined) {
          const y = u.valToPos(threshold, 'y', true);
          ctx.strokeStyle = '#d29922';
          ctx.setLineDash([6, 4]);
          ctx.lineWidth = 1.5;
          ctx.beginPath();
          ctx.moveTo(left, y);
          ctx.lineTo(left + width, y);
          ctx.stroke();
        }
        ctx.setLineDash([]);
        ctx.strokeStyle = '#f85149';
        ctx.lineWidth = 2;
        for (const at of alertTimes) {
          const x = u.valToPos(at, 'x', true);
          if (x < left || x > left + width) continue;
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, top + height);
          ctx.stroke();
        }
        ctx.restore();
      }],
    },
  };
}

function chartCaption(kind, place, series) {
  const values = series[1];
  const latest = values.length ? number(values[values.length - 1], values[values.length - 1] % 1 ? 2 : 0) : '–';
  const threshold = place?.thresholds?.[kind];
  return `${term('kind', kind)}: ${t('latest', latest)}${threshold === null || threshold === undefined ? '' : ` · ${t('threshold', number(threshold, threshold % 1 ? 2 : 0))}`}`;
}

function drawCharts() {
  for (const chart of charts) chart.destroy();
  charts = [];
  const container = $('sparks');
  const place = places.get(selectedPlace);
  const kinds = samples.get(selectedPlace) ?? new Map();
  const present = [...kinds.keys()].sort((a, b) => kindsOrder.indexOf(a) - kindsOrder.indexOf(b));
  if (!present.length) {
    fill(container, el('p', {}, t('noSignal')));
    return;
  }
  fill(container);
  for (const kind of present) {
    const series = kinds.get(kind);
    const caption = el('figcaption', {}, chartCaption(kind, place, series));
    const holder = el('figure', { class: 'spark', dataset: { kind } }, caption);
    container.append(holder);
    const chart = new uPlot(chartOptions(kind, place, series), series, holder);
    chart.root.setAttribute('role', 'img');
    chart.root.setAttribute('aria-label', chartCaption(kind, place, series));
    chart.kind = kind;
    chart.caption = caption;
    charts.push(chart);
  }
}

function updateCharts() {
  const kinds = samples.get(selectedPlace) ?? new Map();
  if (charts.length !== kinds.size) {
    if ($('sparks')) drawCharts();
    return;
  }
  const place = places.get(selectedPlace);
  for (const chart of charts) {
    const series = kinds.get(chart.kind);
    chart.setData(series);
    chart.caption.textContent = chartCaption(chart.kind, place, series);
    chart.root.setAttribute('aria-label', chart.caption.textContent);
  }
}

// ---------- alerts ----------

function placeName(id) {
  return places.get(id)?.name ?? id;
}

/** The state as people say it: a dispatched alert the guard has accepted is "accepted". */
function shownState(alert) {
  return alert.state === 'dispatched' && alert.acceptedAt ? 'accepted' : alert.state;
}

const waitingStates = new Set(['raised', 'cleared-ack-required']);

/** Alerts nobody has acknowledged yet, the newest first: they ring until someone does. */
function unacknowledged() {
  return book.sortedOpen().filter((a) => waitingStates.has(a.state));
}

// ---------- the cue: a sound and a flash that repeat until every alarm is acknowledged ----------

const cueEvery = 10_000;
const muteFor = 8 * 3600 * 1000; // a shift
let cues = 0;

function mutedUntil() {
  const until = Number(localStorage.getItem('pax.mutedUntil') ?? 0);
  return until > Date.now() ? until : 0;
}

function renderMute() {
  const button = $('mute');
  const until = mutedUntil();
  button.setAttribute('aria-pressed', String(Boolean(until)));
  button.dataset.muted = String(Boolean(until));
  fill(button, until ? t('soundMuted', clock(new Date(until).toISOString())) : t('soundOn'));
  button.title = until ? t('unmute') : t('mute');
}

function toggleMute() {
  if (mutedUntil()) localStorage.removeItem('pax.mutedUntil');
  else localStorage.setItem('pax.mutedUntil', String(Date.now() + muteFor));
  renderMute();
}

function cue(alert) {
  announce(t('newAlert', term('kind', alert.kind), placeName(alert.placeId)), 'alert');
  ring();
}

function ring() {
  cues += 1;
  document.body.dataset.cues = String(cues);
  document.body.classList.remove('flash');
  void document.body.offsetWidth;
  document.body.classList.add('flash');
  const loudest = Math.max(0, ...unacknowledged().map((a) => a.severity));
  if (!mutedUntil() && loudest) beep(loudest);
}

setInterval(() => {
  if (unacknowledged().length) ring();
}, cueEvery);

let audio;
function beep(severity) {
  try {
    audio ??= new AudioContext();
    const now = audio.currentTime;
    for (let i = 0; i < severity; i++) {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.2, now + i * 0.25);
      gain.gain.exponentialRampToValueAtTime(0.001, now + i * 0.25 + 0.2);
      tone.connect(gain).connect(audio.destination);
      tone.start(now + i * 0.25);
      tone.stop(now + i * 0.25 + 0.2);
    }
  } catch {
    // No audio device: the visual cue and the announcement remain.
  }
}

/** The banner of unacknowledged alarms, the count in the header and in the page's title. */
function renderAlarms() {
  const waiting = unacknowledged();
  const banner = $('alarm-banner');
  const count = $('unacked');
  banner.hidden = waiting.length === 0;
  count.hidden = waiting.length === 0;
  count.textContent = t('unackedCount', waiting.length);
  document.title = `${waiting.length ? `(${waiting.length}) ` : ''}${t('title.control')}`;
  if (!waiting.length) {
    banner.replaceChildren();
    return;
  }
  fill(banner,
    el('h2', { id: 'alarm-banner-title' }, t('unackedTitle'), ' ', el('span', { class: 'count' }, `(${waiting.length})`)),
    el('ul', {}, ...waiting.slice(0, 5).map((a) => el('li', { class: `sev-${a.severity}`, dataset: { alert: a.alertId, place: a.placeId } },
      el('strong', {}, t('alarmLine', term('kind', a.kind), placeName(a.placeId))), ' ',
      el('time', { datetime: a.raisedAt }, clock(a.raisedAt)), ' (', el('span', { dataset: { age: a.raisedAt } }, age(a.raisedAt)), ') ',
      el('button', { type: 'button', onclick: () => selectAlert(a.alertId) }, t('show'))))),
    waiting.length > 5 ? el('p', {}, `+${waiting.length - 5}`) : null);
}

function alertItem(alert) {
  const state = shownState(alert);
  return el('li', { class: `alert sev-${alert.severity} state-${alert.state}`, dataset: { alert: alert.alertId, state: alert.state, place: alert.placeId, accepted: String(Boolean(alert.acceptedAt)) } },
    el('button', {
      type: 'button',
      'aria-pressed': String(selectedAlert === alert.alertId),
      onclick: () => selectAlert(alert.alertId),
    },
    el('span', { class: 'sev' }, t(`severity.${alert.severity}`)),
    el('strong', {}, `${term('kind', alert.kind)} – ${placeName(alert.placeId)}`),
    el('span', { class: 'state' }, term('state', state)),
    el('time', { datetime: alert.raisedAt }, clock(alert.raisedAt)),
    alert.guard ? el('span', { class: 'guard' }, alert.acceptedAt ? t('acceptedBy', alert.guard) : `${t('guard')}: ${alert.guard}`) : null,
    alert.escalatedAt ? el('span', { class: 'escalated' }, t('escalated')) : null));
}

function renderQueue() {
  const open = book.sortedOpen();
  $('queue-count').textContent = `(${open.length})`;
  fill($('alert-list'), ...(open.length ? open.map(alertItem) : [el('li', { class: 'empty' }, t('noAlerts'))]));
  fill($('resolved-list'), ...book.recentResolved().map(alertItem));
  renderAlarms();
  refreshRows();
}

/** Whether the operator is in the middle of something: another open alert in front of them, or typing. */
function busy(except) {
  const current = selectedAlert && selectedAlert !== except ? book.get(selectedAlert) : null;
  if (current && current.state !== 'resolved') return true;
  const active = document.activeElement;
  return Boolean(active && active.closest?.('#app') && ['INPUT', 'TEXTAREA', 'SELECT'].includes(active.tagName));
}

async function selectAlert(id, { focus = true } = {}) {
  selectedAlert = id;
  renderQueue();
  try {
    guardsByArea = new Map((await api('/api/areas')).map((a) => [a.area, a.guards]));
  } catch {
    // Without the list the operator types the guard's name.
  }
  renderAlertDetail();
  if (focus) $('alert-detail').focus();
}

function outcomeSelect() {
  return el('select', { name: 'outcome', required: true, 'aria-label': t('outcome') },
    el('option', { value: '', selected: true }, t('chooseOutcome')),
    ...['confirmed', 'false-alarm', 'no-action-needed'].map((o) => el('option', { value: o }, term('outcome', o))));
}

/** Resolving or snoozing an alert nobody acknowledged needs a tick that says the operator means it. */
function skipAck(alert) {
  return waitingStates.has(alert.state)
    ? el('label', { class: 'skip-ack' }, el('input', { type: 'checkbox', name: 'skipAck', required: true }), ' ', t('resolveWithoutAck'))
    : null;
}

async function renderAlertDetail() {
  const alert = book.get(selectedAlert);
  const box = $('alert-detail');
  if (!alert) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const isOpen = alert.state !== 'resolved';
  const waiting = waitingStates.has(alert.state);
  const guards = guardsByArea.get(alert.area) ?? [];
  const guard = guards.length
    ? el('select', { name: 'guard', 'aria-label': t('guard') }, ...guards.map((g) => el('option', { value: g, selected: g === alert.guard }, g)))
    : el('input', { name: 'guard', required: true, 'aria-label': t('dispatchTo'), placeholder: t('dispatchTo'), value: alert.guard ?? '' });
  const outcome = outcomeSelect();
  const note = el('input', { name: 'note', required: true, maxlength: 1000, 'aria-label': t('note'), placeholder: t('note') });
  const snoozeMinutes = el('select', { name: 'minutes', 'aria-label': t('minutes') }, ...[15, 30, 60, 120].map((m) => el('option', { value: m }, `${m} min`)));
  const snoozeWhy = el('input', { name: 'why', required: true, maxlength: 500, 'aria-label': t('why'), placeholder: t('why') });
  const off = offAttrs();
  fill(box,
    el('header', {},
      el('h3', { id: 'alert-detail-title' }, `${term('kind', alert.kind)} – ${placeName(alert.placeId)}`),
      el('button', { type: 'button', class: 'close', 'aria-label': t('close'), onclick: () => { selectedAlert = null; box.hidden = true; renderQueue(); } }, '×')),
    el('p', { class: 'alert-text' }, alertText(alert, placeName(alert.placeId))),
    el('p', { class: 'meta' }, el('span', { class: 'state' }, term('state', shownState(alert))),
      ` · ${t('severity')}: ${t(`severity.${alert.severity}`)} · ${t('raisedAt')} ${dateTime(alert.raisedAt)}`,
      alert.guard ? ` · ${alert.acceptedAt ? t('acceptedBy', alert.guard) : t('dispatchedTo', alert.guard)}` : '', alert.receivedAt ? ` · ${t('received')}` : '',
      alert.outcome ? ` · ${term('outcome', alert.outcome)}: ${alert.note ?? ''}` : ''),
    isOpen ? el('div', { class: 'actions' },
      offlineNote(),
      waiting
        ? el('button', { type: 'button', class: 'primary', onclick: () => act(alert, 'acknowledge'), ...off }, t('acknowledge')) : null,
      ['raised', 'acknowledged', 'cleared-ack-required'].includes(alert.state)
        ? el('form', { class: 'row', onsubmit: (e) => { e.preventDefault(); act(alert, 'dispatch', { guard: guard.value.trim() }); } },
          guard, el('button', { type: 'submit', ...off }, t('dispatch'))) : null,
      waiting ? el('p', { class: 'ack-first' }, t('ackFirst')) : null,
      el('form', { class: 'row', onsubmit: (e) => { e.preventDefault(); act(alert, 'resolve', { outcome: outcome.value, note: note.value }); } },
        outcome, note, skipAck(alert), el('button', { type: 'submit', ...off }, t('resolve'))),
      ['impulse', 'fire', 'report'].includes(alert.kind)
        ? el('form', { class: 'row', onsubmit: (e) => { e.preventDefault(); snooze(alert, Number(snoozeMinutes.value), snoozeWhy.value); } },
          snoozeMinutes, snoozeWhy, skipAck(alert), el('button', { type: 'submit', ...off }, t('snooze'))) : null) : null,
    el('h4', {}, t('audit')),
    el('div', { id: 'audit' }, '…'),
  );
  loadAudit(alert.alertId);
}

async function act(alert, action, body) {
  try {
    const view = await api(`/api/alerts/${encodeURIComponent(alert.alertId)}/${action}`, { method: 'POST', body: body ?? {} });
    book.changed(view);
    announce(t('done'));
    renderQueue();
    renderAlertDetail();
  } catch (e) {
    announceError(e);
  }
}

async function snooze(alert, minutes, why) {
  try {
    await api(`/api/places/${encodeURIComponent(alert.placeId)}/snooze`, { method: 'POST', body: { kind: alert.kind, minutes, why } });
    Object.assign(places.get(alert.placeId), await api(`/api/places/${encodeURIComponent(alert.placeId)}`));
    announce(t('done'));
    refreshDetail(alert.placeId);
  } catch (e) {
    announceError(e);
  }
}

async function loadAudit(id) {
  try {
    const audit = await api(`/api/alerts/${encodeURIComponent(id)}/audit`);
    if (selectedAlert !== id || !$('audit')) return;
    fill($('audit'),
      el('p', { class: audit.intact ? 'ok' : 'error' }, audit.intact ? t('auditIntact') : t('auditBroken', audit.firstBrokenEntry + 1)),
      el('ol', { class: 'audit' }, ...audit.entries.map((e) => el('li', { dataset: { action: e.action } },
        el('time', { datetime: e.at }, clock(e.at)), ` ${auditText(e)}`,
        e.from !== e.to ? ` — ${term('state', e.from)} → ${term('state', e.to)}` : ''))));
  } catch (e) {
    $('audit')?.replaceChildren(el('p', { class: 'error' }, t('historyOff')));
  }
}

/** After a reconnect: the open place and the open alert are read again, not left as they were when the line went. */
async function refreshOpenPanels() {
  clearErrors();
  renderPlaces();
  if (selectedPlace) {
    try {
      Object.assign(places.get(selectedPlace), await api(`/api/places/${encodeURIComponent(selectedPlace)}`));
    } catch {
      // The next status change brings it.
    }
    if (selectedPlace) renderDetail();
  }
  if (selectedAlert) {
    try {
      book.changed(await api(`/api/alerts/${encodeURIComponent(selectedAlert)}`));
    } catch {
      // Not readable any more: the queue's view stays.
    }
    renderQueue();
    renderAlertDetail();
  }
}

// ---------- the lägesbild ----------

async function openReport() {
  // Opened at once, filled when the report is in: a window opened after an await is a popup browsers block.
  const target = window.open('', '_blank');
  try {
    const html = await api(`/api/reports/lagesbild?format=html&lang=${language()}`, { accept: 'text/html' });
    const url = URL.createObjectURL(new Blob([html], { type: 'text/html;charset=utf-8' }));
    if (target) target.location.href = url;
    else location.href = url;
  } catch (e) {
    target?.close();
    announceError(e);
  }
}

// ---------- start: last, so that every declaration above is in place ----------

translate(document);
wireLanguagePicker($('language'));
$('logout').addEventListener('click', logout);
$('mute').addEventListener('click', toggleMute);
$('report').addEventListener('click', openReport);

me = await signIn($('login'), ['operator', 'admin']);
config = await uiConfig();
$('app').hidden = false;
$('logout').hidden = false;
$('mute').hidden = false;
$('report').hidden = false;
$('user').textContent = t('user', me.user.name);
renderMute();
setUpMap();
setUpList();
showSitePlans(map, config);
await loadPlaces();
setUpFilters();

let wasLive = false;
const live = new Live({
  book,
  watch: [],
  onState: (state) => {
    showConnection($('connection'), state);
    const now = state === 'connected';
    if (now && !wasLive) refreshOpenPanels();
    if (now !== wasLive) {
      renderPlaces();
      if (selectedAlert) renderAlertDetail();
      if (selectedPlace) renderDetailFacts();
    }
    wasLive = now;
  },
  onStatuses: (statuses) => statuses.forEach(applyStatus),
  onStatus: applyStatus,
  onAlertRaised: (alert) => {
    cue(alert);
    renderQueue();
    refreshDetail(alert.placeId);
    if (alert.severity >= 3 && !busy(alert.alertId)) selectAlert(alert.alertId, { focus: false });
  },
  onAlertChanged: (view, previous) => {
    if (!previous || previous.state !== view.state || Boolean(previous.acceptedAt) !== Boolean(view.acceptedAt)) {
      announce(t('alertChanged', placeName(view.placeId), term('state', shownState(view))));
    }
    renderQueue();
    if (selectedAlert === view.alertId) renderAlertDetail();
    refreshDetail(view.placeId);
  },
  onAlertsReset: () => {
    renderQueue();
    if (selectedAlert) renderAlertDetail();
  },
});
showConnection($('connection'), 'connecting');
await live.start();
renderQueue();

onLanguage(() => {
  $('user').textContent = t('user', me.user.name);
  showConnection($('connection'), live.state);
  renderMute();
  renderLegend();
  setUpFilters();
  renderPlaces();
  renderQueue();
  if (selectedAlert) renderAlertDetail();
  if (selectedPlace) renderDetail();
});

// Ages move on by themselves: a place that stops talking must start to look stale without any event. Only the rows in
// view and the markers whose staleness changed are touched.
setInterval(() => {
  refreshRows();
  restyleStaleMarkers();
  for (const node of document.querySelectorAll('[data-age]')) node.textContent = age(node.dataset.age);
  for (const node of document.querySelectorAll('[data-age-place]')) node.textContent = age(places.get(node.dataset.agePlace)?.updatedAt);
  if (mutedUntil() === 0 && $('mute').dataset.muted === 'true') renderMute();
}, 5000);
