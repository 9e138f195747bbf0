// The control room: every place on a map and in a list, the alert queue, and a place's detail.
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './control.css';
import {
  AlertBook, Live, age, fill, announce, api, clock, dateTime, el, kindsOrder, levels, logout, onLanguage, showConnection,
  signIn, t, translate, uiConfig, wireLanguagePicker,
} from './common.js';

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

async function loadPlaces() {
  for (const view of await api('/api/places')) places.set(view.id, view);
  renderPlaces();
  const bounds = L.latLngBounds([...places.values()].map((p) => [p.latitude, p.longitude]));
  if (bounds.isValid()) map.fitBounds(bounds.pad(0.3), { maxZoom: 16 });
}

function applyStatus(change) {
  const place = places.get(change.placeId);
  if (!place) {
    // A place added while the page is open: fetch it whole.
    api(`/api/places/${encodeURIComponent(change.placeId)}`).then((view) => {
      places.set(view.id, view);
      renderPlaces();
    }, () => {});
    return;
  }
  place.level = change.level;
  place.values = change.values;
  place.updatedAt = change.updatedAt;
  record(change.placeId, change.values, change.updatedAt);
  renderPlace(place);
  if (selectedPlace === change.placeId) {
    updateCharts();
    refreshDetail(change.placeId);
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
  return place.level === 'unknown' || !place.updatedAt || Date.now() - Date.parse(place.updatedAt) > config.staleAfterSeconds * 1000;
}

function visible(place) {
  const area = $('filter-area').value;
  const level = $('filter-level').value;
  return (!area || place.area === area) && (!level || place.level === level);
}

function setUpFilters() {
  const areaSelect = $('filter-area');
  const levelSelect = $('filter-level');
  const area = areaSelect.value;
  const level = levelSelect.value;
  const areas = [...new Set([...places.values()].map((p) => p.area).filter(Boolean))].sort();
  areaSelect.replaceChildren(el('option', { value: '' }, t('allAreas')), ...areas.map((a) => el('option', { value: a }, a)));
  levelSelect.replaceChildren(el('option', { value: '' }, t('allLevels')), ...levels.map((l) => el('option', { value: l }, t(`level.${l}`))));
  areaSelect.value = area;
  levelSelect.value = level;
  if (!areaSelect.dataset.wired) {
    areaSelect.dataset.wired = levelSelect.dataset.wired = '1';
    areaSelect.addEventListener('change', renderPlaces);
    levelSelect.addEventListener('change', renderPlaces);
  }
}

function renderPlaces() {
  const order = { alert: 0, elevated: 1, unknown: 2, calm: 3 };
  const sorted = [...places.values()].sort((a, b) => order[a.level] - order[b.level] || a.name.localeCompare(b.name));
  const list = $('place-list');
  const focused = document.activeElement?.closest?.('[data-place]')?.dataset.place;
  fill(list, ...sorted.filter(visible).map(placeItem));
  if (focused) list.querySelector(`[data-place="${CSS.escape(focused)}"] button`)?.focus();
  for (const place of places.values()) renderMarker(place);
}

function placeItem(place) {
  const stale = isStale(place);
  const alerts = [...book.open.values()].filter((a) => a.placeId === place.id).length;
  return el('li', { class: `place level-${place.level}${stale ? ' stale' : ''}`, dataset: { place: place.id, level: place.level } },
    el('button', {
      type: 'button',
      'aria-pressed': String(selectedPlace === place.id),
      'aria-label': `${place.name}, ${t(`level.${place.level}`)}${stale ? `, ${t('stale')}` : ''}, ${t('dataAge')} ${age(place.updatedAt)}`,
      onclick: () => selectPlace(place.id),
    },
    el('span', { class: 'dot', 'aria-hidden': 'true' }),
    el('span', { class: 'name' }, place.name),
    el('span', { class: 'level' }, t(`level.${place.level}`)),
    alerts ? el('span', { class: 'badge' }, String(alerts)) : null,
    el('span', { class: 'age' }, stale ? `${t('stale')} · ` : '', age(place.updatedAt))));
}

function renderPlace(place) {
  const item = $('place-list').querySelector(`[data-place="${CSS.escape(place.id)}"]`);
  if (item && item.dataset.level === place.level) {
    item.replaceWith(placeItem(place));
    renderMarker(place);
  } else {
    renderPlaces();
  }
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
}

const levelColours = { calm: '#3fb950', elevated: '#d29922', alert: '#f85149', unknown: '#8b949e' };

function renderMarker(place) {
  let marker = markers.get(place.id);
  const style = {
    radius: place.level === 'alert' ? 14 : 10,
    color: isStale(place) ? '#b1bac4' : '#e6edf3',
    weight: 2,
    fillColor: levelColours[place.level],
    fillOpacity: isStale(place) ? 0.5 : 0.9,
    dashArray: isStale(place) ? '4 3' : null,
    className: `place-marker place-${place.id} marker-${place.level}`,
  };
  if (!marker) {
    marker = L.circleMarker([place.latitude, place.longitude], style).addTo(map);
    marker.on('click', () => selectPlace(place.id));
    markers.set(place.id, marker);
  } else {
    marker.setStyle(style);
    const path = marker.getElement();
    if (path) path.setAttribute('class', `leaflet-interactive ${style.className}`);
  }
  marker.setStyle({ opacity: visible(place) ? 1 : 0.15, fillOpacity: visible(place) ? style.fillOpacity : 0.1 });
  // An element, not a string: Leaflet would read a string as HTML.
  marker.bindTooltip(el('span', {}, `${place.name} – ${t(`level.${place.level}`)}`));
}

// ---------- place detail ----------

async function selectPlace(id) {
  selectedPlace = id;
  renderPlaces();
  const place = places.get(id);
  try {
    Object.assign(place, await api(`/api/places/${encodeURIComponent(id)}`));
  } catch (e) {
    announce(e.message, 'error');
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

function refreshDetail(placeId) {
  if (selectedPlace !== placeId) return;
  renderDetailFacts();
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
    el('p', { class: 'meta' }, `${place.kind} · ${t('area')}: ${place.area ?? '–'} · ${t('dataAge')}: `,
      el('span', { dataset: { age: place.updatedAt ?? '' } }, age(place.updatedAt))),
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
  renderPlaces();
}

function renderDetailFacts() {
  const place = places.get(selectedPlace);
  const facts = $('facts');
  if (!place || !facts) return;
  const onSite = [...book.open.values()].filter((a) => a.placeId === place.id && a.state === 'on-site');
  const focus = place.focus && Date.parse(place.focus.until) > Date.now() ? place.focus : null;
  const minutes = el('select', { id: 'focus-minutes', 'aria-label': t('minutes') }, ...[30, 60, 120, 240].map((m) => el('option', { value: m }, `${m} min`)));
  const why = el('input', { id: 'focus-why', placeholder: t('why'), 'aria-label': t('why'), maxlength: 500 });
  fill(facts,
    el('h3', {}, t('devices')),
    place.devices?.length
      ? el('ul', { class: 'devices' }, ...place.devices.map((d) => el('li', { class: d.online ? 'online' : 'offline' },
        `${d.deviceId}: ${d.online ? t('online') : t('offline')}, ${t('lastSeen')} `, el('span', { dataset: { age: d.lastSeen } }, age(d.lastSeen)))))
      : el('p', {}, t('noDevices')),
    el('h3', {}, t('guardPresence')),
    el('p', {}, onSite.length ? t('guardOnSite', onSite.map((a) => a.guard).join(', ')) : t('noGuardOnSite')),
    el('p', {}, `${t('lastPatrol')}: `, el('span', { dataset: { age: place.lastGuardVisit ?? '' } }, age(place.lastGuardVisit))),
    el('p', {}, `${t('lastStaffVisit')}: `, el('span', { dataset: { age: place.lastStaffVisit ?? '' } }, age(place.lastStaffVisit))),
    el('h3', {}, t('focus')),
    focus
      ? el('div', { class: 'row' }, el('p', {}, t('focusOn', clock(focus.until), focus.by, focus.why)),
        el('button', { type: 'button', onclick: () => setFocus(place.id, 0, '') }, t('focusEnd')))
      : el('form', { class: 'row', onsubmit: (e) => { e.preventDefault(); setFocus(place.id, Number(minutes.value), why.value); } },
        el('span', {}, t('focusOff')), minutes, why, el('button', { type: 'submit' }, t('focusStart'))),
    place.snoozes?.length
      ? el('div', {}, el('h3', {}, t('snoozes')), el('ul', {}, ...place.snoozes.map((s) =>
        el('li', {}, t('snoozedUntil', t(`kind.${s.kind}`), clock(s.until), s.by, s.why)))))
      : null,
  );
}

async function setFocus(id, minutes, why) {
  try {
    await api(`/api/places/${encodeURIComponent(id)}/focus`, { method: 'POST', body: { minutes, why } });
    Object.assign(places.get(id), await api(`/api/places/${encodeURIComponent(id)}`));
    announce(t('done'));
    renderDetailFacts();
  } catch (e) {
    announce(e.message, 'error');
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

function drawCharts() {
  for (const chart of charts) chart.destroy();
  charts = [];
  const container = $('sparks');
  const kinds = samples.get(selectedPlace) ?? new Map();
  const present = [...kinds.keys()].sort((a, b) => kindsOrder.indexOf(a) - kindsOrder.indexOf(b));
  if (!present.length) {
    fill(container, el('p', {}, t('noSignal')));
    return;
  }
  fill(container);
  for (const kind of present) {
    const holder = el('figure', { class: 'spark', dataset: { kind } }, el('figcaption', {}, t(`kind.${kind}`)));
    container.append(holder);
    const now = Date.now() / 1000;
    const chart = new uPlot({
      width: 220, height: 60, legend: { show: false }, cursor: { show: false },
      scales: { x: { time: true, range: () => [Date.now() / 1000 - sparkWindow / 1000, Date.now() / 1000] } },
      axes: [{ show: false }, { show: false }],
      series: [{}, { stroke: '#58a6ff', width: 1.5, fill: 'rgba(88,166,255,0.15)' }],
    }, kinds.get(kind), holder);
    chart.root.setAttribute('role', 'img');
    const values = kinds.get(kind)[1];
    chart.root.setAttribute('aria-label', `${t(`kind.${kind}`)}: ${values.length ? values[values.length - 1] : '–'} (${clock(new Date(now * 1000).toISOString())})`);
    chart.kind = kind;
    charts.push(chart);
  }
}

function updateCharts() {
  const kinds = samples.get(selectedPlace) ?? new Map();
  if (charts.length !== kinds.size) {
    if ($('sparks')) drawCharts();
    return;
  }
  for (const chart of charts) chart.setData(kinds.get(chart.kind));
}

// ---------- alerts ----------

function placeName(id) {
  return places.get(id)?.name ?? id;
}

function cue(alert) {
  announce(t('newAlert', t(`kind.${alert.kind}`), placeName(alert.placeId)), 'alert');
  document.body.classList.remove('flash');
  void document.body.offsetWidth;
  document.body.classList.add('flash');
  beep(alert.severity);
}

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

function alertItem(alert) {
  return el('li', { class: `alert sev-${alert.severity} state-${alert.state}`, dataset: { alert: alert.alertId, state: alert.state, place: alert.placeId } },
    el('button', {
      type: 'button',
      'aria-pressed': String(selectedAlert === alert.alertId),
      onclick: () => selectAlert(alert.alertId),
    },
    el('span', { class: 'sev' }, t(`severity.${alert.severity}`)),
    el('strong', {}, `${t(`kind.${alert.kind}`)} – ${placeName(alert.placeId)}`),
    el('span', { class: 'state' }, t(`state.${alert.state}`)),
    el('time', { datetime: alert.raisedAt }, clock(alert.raisedAt)),
    alert.guard ? el('span', { class: 'guard' }, `${t('guard')}: ${alert.guard}`) : null,
    alert.escalatedAt ? el('span', { class: 'escalated' }, t('escalated')) : null));
}

function renderQueue() {
  const open = book.sortedOpen();
  $('queue-count').textContent = `(${open.length})`;
  fill($('alert-list'), ...(open.length ? open.map(alertItem) : [el('li', { class: 'empty' }, t('noAlerts'))]));
  fill($('resolved-list'), ...book.recentResolved().map(alertItem));
  renderPlaces();
}

async function selectAlert(id) {
  selectedAlert = id;
  renderQueue();
  try {
    guardsByArea = new Map((await api('/api/areas')).map((a) => [a.area, a.guards]));
  } catch {
    // Without the list the operator types the guard's name.
  }
  renderAlertDetail();
  $('alert-detail').focus();
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
  const guards = guardsByArea.get(alert.area) ?? [];
  const guard = guards.length
    ? el('select', { name: 'guard', 'aria-label': t('guard') }, ...guards.map((g) => el('option', { value: g, selected: g === alert.guard }, g)))
    : el('input', { name: 'guard', required: true, 'aria-label': t('dispatchTo'), placeholder: t('dispatchTo'), value: alert.guard ?? '' });
  const outcome = el('select', { name: 'outcome', 'aria-label': t('outcome') },
    ...['confirmed', 'false-alarm', 'no-action-needed'].map((o) => el('option', { value: o }, t(`outcome.${o}`))));
  const note = el('input', { name: 'note', required: true, maxlength: 1000, 'aria-label': t('note'), placeholder: t('note') });
  const snoozeMinutes = el('select', { name: 'minutes', 'aria-label': t('minutes') }, ...[15, 30, 60, 120].map((m) => el('option', { value: m }, `${m} min`)));
  const snoozeWhy = el('input', { name: 'why', required: true, maxlength: 500, 'aria-label': t('why'), placeholder: t('why') });
  fill(box,
    el('header', {},
      el('h3', { id: 'alert-detail-title' }, `${t(`kind.${alert.kind}`)} – ${placeName(alert.placeId)}`),
      el('button', { type: 'button', class: 'close', 'aria-label': t('close'), onclick: () => { selectedAlert = null; box.hidden = true; renderQueue(); } }, '×')),
    el('p', {}, alert.summary),
    el('p', { class: 'meta' }, `${t(`state.${alert.state}`)} · ${t('severity')}: ${t(`severity.${alert.severity}`)} · ${t('raisedAt')} ${dateTime(alert.raisedAt)}`,
      alert.guard ? ` · ${t('dispatchedTo', alert.guard)}` : '', alert.receivedAt ? ` · ${t('received')}` : '',
      alert.outcome ? ` · ${t(`outcome.${alert.outcome}`)}: ${alert.note ?? ''}` : ''),
    isOpen ? el('div', { class: 'actions' },
      ['raised', 'cleared-ack-required'].includes(alert.state)
        ? el('button', { type: 'button', class: 'primary', onclick: () => act(alert, 'acknowledge') }, t('acknowledge')) : null,
      ['raised', 'acknowledged', 'cleared-ack-required'].includes(alert.state)
        ? el('form', { class: 'row', onsubmit: (e) => { e.preventDefault(); act(alert, 'dispatch', { guard: guard.value.trim() }); } },
          guard, el('button', { type: 'submit' }, t('dispatch'))) : null,
      el('form', { class: 'row', onsubmit: (e) => { e.preventDefault(); act(alert, 'resolve', { outcome: outcome.value, note: note.value }); } },
        outcome, note, el('button', { type: 'submit' }, t('resolve'))),
      ['impulse', 'fire', 'report'].includes(alert.kind)
        ? el('form', { class: 'row', onsubmit: (e) => { e.preventDefault(); snooze(alert, Number(snoozeMinutes.value), snoozeWhy.value); } },
          snoozeMinutes, snoozeWhy, el('button', { type: 'submit' }, t('snooze'))) : null) : null,
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
    announce(e.message, 'error');
  }
}

async function snooze(alert, minutes, why) {
  try {
    await api(`/api/places/${encodeURIComponent(alert.placeId)}/snooze`, { method: 'POST', body: { kind: alert.kind, minutes, why } });
    Object.assign(places.get(alert.placeId), await api(`/api/places/${encodeURIComponent(alert.placeId)}`));
    announce(t('done'));
    refreshDetail(alert.placeId);
  } catch (e) {
    announce(e.message, 'error');
  }
}

async function loadAudit(id) {
  try {
    const audit = await api(`/api/alerts/${encodeURIComponent(id)}/audit`);
    if (selectedAlert !== id || !$('audit')) return;
    fill($('audit'), 
      el('p', { class: audit.intact ? 'ok' : 'error' }, audit.intact ? t('auditIntact') : t('auditBroken', audit.firstBrokenEntry + 1)),
      el('ol', { class: 'audit' }, ...audit.entries.map((e) => el('li', {},
        el('time', { datetime: e.at }, clock(e.at)), ` ${e.actor}: ${e.action}`, e.why ? ` (${e.why})` : '',
        ` — ${t(`state.${e.from}`)} → ${t(`state.${e.to}`)}`))));
  } catch (e) {
    $('audit')?.replaceChildren(el('p', { class: 'error' }, e.message));
  }
}

// ---------- start: last, so that every declaration above is in place ----------

translate(document);
wireLanguagePicker($('language'));
$('logout').addEventListener('click', logout);

me = await signIn($('login'), ['operator', 'admin']);
config = await uiConfig();
$('app').hidden = false;
$('logout').hidden = false;
$('user').textContent = t('user', me.user.name);
setUpMap();
await loadPlaces();
setUpFilters();

const live = new Live({
  book,
  watch: [],
  onState: (state) => showConnection($('connection'), state),
  onStatuses: (statuses) => statuses.forEach(applyStatus),
  onStatus: applyStatus,
  onAlertRaised: (alert) => {
    cue(alert);
    renderQueue();
    refreshDetail(alert.placeId);
  },
  onAlertChanged: (view, previous) => {
    if (!previous || previous.state !== view.state) {
      announce(t('alertChanged', placeName(view.placeId), t(`state.${view.state}`)));
    }
    renderQueue();
    if (selectedAlert === view.alertId) renderAlertDetail();
    refreshDetail(view.placeId);
  },
  onAlertsReset: () => renderQueue(),
});
showConnection($('connection'), 'connecting');
await live.start();
renderQueue();

onLanguage(() => {
  $('user').textContent = t('user', me.user.name);
  showConnection($('connection'), live.state);
  setUpFilters();
  renderPlaces();
  renderQueue();
  if (selectedAlert) renderAlertDetail();
  if (selectedPlace) renderDetail();
});

// Ages move on by themselves: a place that stops talking must start to look stale without any event.
setInterval(() => {
  renderPlaces();
  for (const node of document.querySelectorAll('[data-age]')) node.textContent = age(node.dataset.age);
}, 5000);
