// A place's detail: why it is at its level, its last quarter of an hour in sparklines, its devices, guards, focus,
// snoozes and the history of its levels.
import uPlot from 'uplot';
import {
  age, announce, announceError, api, clock, dateTime, el, fill, isLive, kindsOrder, language, number, onLanguage,
  serverNow, t, term,
} from './common.js';
import { offAttrs, offlineNote } from './control-offline.js';
import {
  book, levelWhy, on, places, readPlace, rereadPlace, samples, seedSamples, selectPlace, selectedPlace, sparkWindow,
} from './control-state.js';

const $ = (id) => document.getElementById(id);

let map;
let charts = [];
let shown = null; // the id of the place the panel is drawn for
let detailFetchedAt = 0;

/** The panel, drawn for the place selected from now on; the map beside it is fitted to what the panel leaves. */
export function setUpDetail(besideMap) {
  map = besideMap;
  on('placeSelected', (id) => (id === null ? closeDetail() : openDetail(id)));
  on('statuses', (ids) => {
    if (selectedPlace && ids.includes(selectedPlace)) {
      updateCharts();
      refreshDetail(selectedPlace);
    }
  });
  // Only into a panel drawn for that place: while another place's detail opens, the panel still shows the one before.
  on('placeRead', (id) => {
    if (shown === id && selectedPlace === id) renderDetailFacts();
  });
  onLanguage(() => {
    if (selectedPlace) renderDetail();
  });
}

async function openDetail(id) {
  try {
    readPlace(await api(`/api/places/${encodeURIComponent(id)}`));
  } catch (e) {
    announceError(e);
  }
  try {
    await seedSamples(id);
  } catch {
    // No history (memory storage): the sparklines start from now.
  }
  renderDetail();
  $('detail').focus();
  loadHistory(id);
}

/** After a reconnect: the open place is read again, not left as it was when the line went. */
export async function reloadDetail() {
  if (!selectedPlace) return;
  try {
    readPlace(await api(`/api/places/${encodeURIComponent(selectedPlace)}`));
  } catch {
    // The next status change brings it.
  }
  if (selectedPlace) renderDetail();
}

/** The open place's facts again; its devices' last-heard times come with a fresh read, at most every five seconds. */
export function refreshDetail(placeId) {
  if (selectedPlace !== placeId) return;
  const place = places.get(placeId);
  const why = $('detail-why');
  if (why && place) why.textContent = `${t(`level.${place.level}`)}: ${levelWhy(place)}`;
  renderDetailFacts();
  if (isLive() && Date.now() - detailFetchedAt > 5000) {
    detailFetchedAt = Date.now();
    api(`/api/places/${encodeURIComponent(placeId)}`).then(rereadPlace, () => {});
  }
}

function renderDetail() {
  const place = places.get(selectedPlace);
  const detail = $('detail');
  if (!place) {
    shown = null;
    detail.hidden = true;
    return;
  }
  detail.hidden = false;
  map.invalidateSize();
  shown = place.id;
  fill(detail,
    el('header', {},
      el('h2', { id: 'detail-title' }, place.name, ' ', el('span', { class: `pill level-${place.level}` }, t(`level.${place.level}`))),
      el('button', { type: 'button', class: 'close', onclick: () => selectPlace(null), 'aria-label': t('close') }, '×')),
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
  shown = null;
  $('detail').hidden = true;
  map.invalidateSize();
  for (const chart of charts) chart.destroy();
  charts = [];
}

export function renderDetailFacts() {
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

async function setFocus(id, minutes, why) {
  try {
    await api(`/api/places/${encodeURIComponent(id)}/focus`, { method: 'POST', body: { minutes, why } });
    readPlace(await api(`/api/places/${encodeURIComponent(id)}`));
    announce(t('done'));
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

// ---------- sparklines ----------

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
