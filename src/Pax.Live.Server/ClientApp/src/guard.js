// The guard's phone: the open alerts of my areas, my moves on the ones dispatched to me, check-in and observations.
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import './guard.css';
import {
  AlertBook, Live, age, alertText, announce, announceError, api, clearErrors, clock, el, fill, isLive, logout, onLanguage,
  showConnection, signIn, t, term, translate, uiConfig, wireLanguagePicker,
} from './common.js';
import { showSitePlans } from './siteplans.js';
import {
  forgetSession, installApp, keepSession, onOpenAlert, restoreSession, setUpPush, startedOffline,
} from './guard-app.js';

const $ = (id) => document.getElementById(id);
const places = new Map();
const book = new AlertBook();
const pins = new Map();
let map;
let me;
let focusedAlert = null;

function placeName(id) {
  return places.get(id)?.name ?? id;
}

// The phone tells the control room it has the alert; the server keeps only the first receipt.
const confirmed = new Set();
function confirmReceipt(view) {
  if (view.state !== 'dispatched' || view.guard !== me.user.name || view.receivedAt || confirmed.has(view.alertId)) return;
  confirmed.add(view.alertId);
  api(`/api/alerts/${encodeURIComponent(view.alertId)}/received`, { method: 'POST', body: {} }).catch(() => confirmed.delete(view.alertId));
}

function render() {
  const open = book.sortedOpen();
  fill($('alert-list'), ...(open.length ? open.map(card) : [el('li', { class: 'empty' }, t('noMyAlerts'))]));
  renderPins(open);
  const focused = focusedAlert && document.querySelector(`#alert-list [data-alert="${CSS.escape(focusedAlert)}"]`);
  focused?.classList.add('focused');
}

/** Brings an alert to the front (from a notification's "Öppna"). */
function focusAlert(alertId) {
  focusedAlert = alertId;
  render();
  document.querySelector('#alert-list .focused')?.scrollIntoView({ block: 'center' });
}

/** The state in a guard's words: accepted once accepted, and no operator instruction ("acknowledge") on the phone. */
function guardState(alert) {
  if (alert.state === 'dispatched' && alert.acceptedAt) return term('state', 'accepted');
  if (alert.state === 'cleared-ack-required') return t('gstate.cleared-ack-required');
  return term('state', alert.state);
}

function offAttrs() {
  return isLive() ? {} : { disabled: true, title: t('actionsOff'), 'aria-describedby': 'offline-banner' };
}

function card(alert) {
  const mine = alert.guard === me.user.name;
  const off = offAttrs();
  const note = el('textarea', { name: 'note', required: true, maxlength: 1000, rows: 2, 'aria-label': t('note'), placeholder: t('note') });
  const outcome = el('select', { name: 'outcome', required: true, 'aria-label': t('outcome') },
    el('option', { value: '', selected: true }, t('chooseOutcome')),
    ...['confirmed', 'false-alarm', 'no-action-needed'].map((o) => el('option', { value: o }, term('outcome', o))));
  const accepted = Boolean(alert.acceptedAt);
  return el('li', {
    class: `card sev-${alert.severity} state-${alert.state}${isLive() ? '' : ' stale'}`,
    dataset: { alert: alert.alertId, state: alert.state, place: alert.placeId, accepted: String(accepted) },
  },
  el('h3', {}, `${term('kind', alert.kind)} – ${placeName(alert.placeId)}`),
  el('p', { class: 'meta' },
    el('span', { class: 'sev' }, t(`severity.${alert.severity}`)), ' · ',
    el('span', { class: 'state' }, guardState(alert)), ' · ',
    el('time', { datetime: alert.raisedAt }, clock(alert.raisedAt)), ' (', el('span', { dataset: { age: alert.raisedAt } }, age(alert.raisedAt)), ')',
    isLive() ? null : el('span', { class: 'stale-mark' }, ` · ${t('stale')}`)),
  el('p', {}, alertText(alert, placeName(alert.placeId))),
  alert.guard ? el('p', { class: 'guard' }, mine ? (accepted ? t('acceptedBy', t('you')) : t('dispatchedToYou')) : t('dispatchedTo', alert.guard)) : null,
  mine && ['dispatched', 'on-site'].includes(alert.state) && !isLive() ? el('p', { class: 'offline-note' }, t('actionsOff')) : null,
  // First accept, then on site, then resolve: one primary action at a time.
  mine && alert.state === 'dispatched' && !accepted
    ? el('div', { class: 'actions' }, el('button', { type: 'button', class: 'primary', onclick: () => act(alert, 'accept'), ...off }, t('accept')))
    : null,
  mine && alert.state === 'dispatched' && accepted
    ? el('div', { class: 'actions' },
      el('button', { type: 'button', class: 'primary', onclick: () => act(alert, 'on-site'), ...off }, t('onSite')))
    : null,
  mine && alert.state === 'on-site'
    ? el('form', { class: 'actions', onsubmit: (e) => { e.preventDefault(); act(alert, 'resolve', { outcome: outcome.value, note: note.value }); } },
      outcome, note, el('button', { type: 'submit', class: 'primary', ...off }, t('resolve')))
    : null,
  el('button', { type: 'button', class: 'link', onclick: () => showOnMap(alert.placeId) }, t('map')));
}

async function act(alert, action, body) {
  try {
    book.changed(await api(`/api/alerts/${encodeURIComponent(alert.alertId)}/${action}`, { method: 'POST', body: body ?? {} }));
    announce(t('done'));
    render();
  } catch (e) {
    announceError(e);
  }
}

// ---------- map ----------

function setUpMap() {
  map = L.map('map', { attributionControl: Boolean(config.tileUrl) });
  if (config.tileUrl) L.tileLayer(config.tileUrl, { attribution: config.tileAttribution, maxZoom: 19 }).addTo(map);
  const mine = [...places.values()].filter((p) => me.user.areas.includes(p.area));
  // The places of my areas stand on the map from the start, named: a guard needs to see where things are before an alert.
  for (const place of mine) {
    L.circleMarker([place.latitude, place.longitude], {
      radius: 7, color: '#b1bac4', weight: 2, fillColor: '#58a6ff', fillOpacity: 0.8, className: `area-place area-place-${place.id}`,
    }).addTo(map).bindTooltip(el('span', {}, place.name), { permanent: true, direction: 'right', offset: [8, 0], className: 'place-label' });
  }
  const bounds = L.latLngBounds((mine.length ? mine : [...places.values()]).map((p) => [p.latitude, p.longitude]));
  if (bounds.isValid()) map.fitBounds(bounds.pad(0.3), { maxZoom: 16 });
  else map.setView([59.3, 15.2], 13);
}

function renderPins(open) {
  const wanted = new Set(open.map((a) => a.placeId));
  for (const [id, pin] of pins) {
    if (!wanted.has(id)) {
      pin.remove();
      pins.delete(id);
    }
  }
  for (const id of wanted) {
    const place = places.get(id);
    if (!place || pins.has(id)) continue;
    const pin = L.circleMarker([place.latitude, place.longitude], {
      radius: 12, color: '#fff', weight: 2, fillColor: '#f85149', fillOpacity: 0.9, className: `place-marker place-${id}`,
    }).addTo(map).bindTooltip(el('span', {}, place.name)); // an element: Leaflet reads a string as HTML
    pins.set(id, pin);
  }
}

function showOnMap(placeId) {
  const place = places.get(placeId);
  if (!place) return;
  map.setView([place.latitude, place.longitude], 16);
  $('map').scrollIntoView({ behavior: 'smooth' });
}

// ---------- field work ----------

function setUpField() {
  const select = $('field-place');
  const mine = [...places.values()].filter((p) => me.user.areas.includes(p.area));
  select.replaceChildren(...(mine.length ? mine : [...places.values()]).map((p) => el('option', { value: p.id }, p.name)));
  $('check-in').addEventListener('click', async () => {
    try {
      await api(`/api/places/${encodeURIComponent(select.value)}/check-in`, { method: 'POST', body: {} });
      announce(t('checkedIn', placeName(select.value)));
    } catch (e) {
      announceError(e);
    }
  });
  $('observe').addEventListener('click', async () => {
    try {
      const severity = Number($('observation-severity').value);
      await api(`/api/places/${encodeURIComponent(select.value)}/observations`, { method: 'POST', body: { severity } });
      announce(t('observationFiled'));
    } catch (e) {
      announceError(e);
    }
  });
}

// ---------- notifications ----------

function notify(text, tag) {
  announce(text, 'alert');
  navigator.vibrate?.([300, 100, 300]);
  if ('Notification' in window && Notification.permission === 'granted' && document.visibilityState !== 'visible') {
    try {
      new Notification('Pax.Live', { body: text, tag, renotify: true });
    } catch {
      // Some mobile browsers allow notifications only from a service worker; the announcement and vibration remain.
    }
  }
}

// ---------- start: last, so that every declaration above is in place ----------

translate(document);
wireLanguagePicker($('language'));
$('logout').addEventListener('click', async () => {
  await forgetSession();
  logout();
});
installApp();

await restoreSession();
me = await signIn($('login'), ['guard']);
keepSession().catch(() => {});
const config = await uiConfig();
$('app').hidden = false;
$('logout').hidden = false;
$('user').textContent = t('user', me.user.name);
let placeList;
try {
  placeList = await api('/api/places');
} catch (e) {
  // Not reached (status 0): the shell came from the phone's cache. Anything else is an answer, shown as before.
  if (e.status === 0) await startedOffline();
  throw e;
}
for (const place of placeList) places.set(place.id, place);
setUpMap();
showSitePlans(map, config);
setUpField();
setUpPush();

let wasLive = false;
const live = new Live({
  book,
  onState: (state) => {
    showConnection($('connection'), state);
    const now = state === 'connected';
    if (now && !wasLive) clearErrors();
    if (now !== wasLive) render();
    for (const button of [$('check-in'), $('observe')]) {
      button.disabled = !now;
      button.title = now ? '' : t('actionsOff');
    }
    wasLive = now;
  },
  onAlertRaised: (alert) => {
    notify(t('newAlert', term('kind', alert.kind), placeName(alert.placeId)), alert.alertId);
    render();
  },
  onAlertChanged: (view, previous) => {
    if (view.guard === me.user.name && view.state === 'dispatched' && previous?.state !== 'dispatched') {
      notify(`${t('dispatchedToYou')}: ${term('kind', view.kind)} – ${placeName(view.placeId)}`, view.alertId);
    }
    confirmReceipt(view);
    render();
  },
  onAlertsReset: () => {
    for (const view of book.open.values()) confirmReceipt(view);
    render();
  },
});
showConnection($('connection'), 'connecting');
await live.start();
render();
onOpenAlert(focusAlert);
onLanguage(() => {
  $('user').textContent = t('user', me.user.name);
  showConnection($('connection'), live.state);
  render();
});
setInterval(() => {
  for (const node of document.querySelectorAll('[data-age]')) node.textContent = age(node.dataset.age);
}, 5000);
