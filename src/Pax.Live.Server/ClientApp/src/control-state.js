// What the control room knows: the places and their recent samples, the alerts, what is selected and the filters.
// The panels read it here and change it only through the functions below, which tell the panels that listen: so the
// board, the queue and the detail never call one another.
import { AlertBook, api, isLive, number, serverNow, t, term } from './common.js';

/** How far back the sparklines reach. */
export const sparkWindow = 15 * 60 * 1000;

export const places = new Map(); // id → PlaceView, kept current by PlaceStatusChanged
export const samples = new Map(); // id → Map(kind → [[t], [v]]) over the last 15 minutes, for the sparklines
export const book = new AlertBook();
export let config = { tileUrl: '', tileAttribution: '', staleAfterSeconds: 60 };
export let selectedPlace = null;
export let selectedAlert = null;
export const filter = { area: '', level: '' };

// places: which places there are, or which the filters let through (everything is drawn again)
// statuses (ids, reordered): places' statuses changed, told once per animation frame; reordered when a level changed
// placeSelected (id or null): the place in the detail
// alerts: the alerts, or which is selected
// placeRead (id): a place's facts were read again from the server
const listeners = { places: [], statuses: [], placeSelected: [], alerts: [], placeRead: [] };

export function on(topic, listener) {
  listeners[topic].push(listener);
}

function notify(topic, ...args) {
  for (const listener of listeners[topic]) listener(...args);
}

export function setConfig(next) {
  config = next;
}

// ---------- places ----------

const levelOrder = { alert: 0, elevated: 1, unknown: 2, calm: 3 };
const collator = new Intl.Collator();
let namesRanked = false;

/** Each place's rank by name, so that the sort after a level change compares numbers, not strings. */
function rankNames() {
  const byName = [...places.values()].sort((a, b) => collator.compare(a.name, b.name));
  for (let i = 0; i < byName.length; i++) byName[i].nameRank = i;
  namesRanked = true;
}

export function addPlaces(views) {
  for (const view of views) places.set(view.id, view);
  namesRanked = false;
  notify('places');
}

/** A place read again from the server, taken in whole. */
export function readPlace(view) {
  Object.assign(places.get(view.id), view);
  notify('placeRead', view.id);
}

/** A place read again while its status comes live: the live status stays where it is newer than the read. */
export function rereadPlace(view) {
  const current = places.get(view.id);
  const { level, values, updatedAt } = current;
  Object.assign(current, view);
  if (updatedAt && (!view.updatedAt || Date.parse(updatedAt) > Date.parse(view.updatedAt))) Object.assign(current, { level, values, updatedAt });
  notify('placeRead', view.id);
}

// Status changes are taken in as they come and told once per animation frame: a thousand changes at once cost one
// sort (when a level changed), the rows in view and the markers that changed.
const dirty = new Set(); // ids of the places changed since the last frame
let levelsChanged = false;
let framePending = false;

export function applyStatus(change) {
  const place = places.get(change.placeId);
  if (!place) {
    // A place added while the page is open: fetch it whole.
    api(`/api/places/${encodeURIComponent(change.placeId)}`).then((view) => addPlaces([view]), () => {});
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
    requestAnimationFrame(statusesChanged);
  }
}

function statusesChanged() {
  framePending = false;
  const ids = [...dirty];
  dirty.clear();
  const reordered = levelsChanged;
  levelsChanged = false;
  notify('statuses', ids, reordered);
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

/** The samples of a place's last quarter of an hour from its history, before the ones that came live. */
export async function seedSamples(id) {
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
}

export function isStale(place) {
  return !isLive() || place.level === 'unknown' || !place.updatedAt
    || serverNow() - Date.parse(place.updatedAt) > config.staleAfterSeconds * 1000;
}

// The periodic kinds a place has a threshold for, as its thresholds document names them.
const thresholdKinds = ['people', 'motion', 'loiter', 'sound'];

/** Why a place is at its level: the open alerts' kinds, and each kind at or over its threshold with both numbers. */
export function levelWhy(place) {
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

export function placeName(id) {
  return places.get(id)?.name ?? id;
}

// ---------- filters ----------

export function setFilter(area, level) {
  filter.area = area;
  filter.level = level;
  notify('places');
}

export function visible(place) {
  return (!filter.area || place.area === filter.area) && (!filter.level || place.level === filter.level);
}

/** The places the filters let through, in the list's order: alert, elevated, unknown, calm, then by name. */
export function shownPlaces() {
  if (!namesRanked) rankNames();
  const shown = [];
  for (const place of places.values()) {
    if (visible(place)) shown.push(place);
  }
  return shown.sort((a, b) => levelOrder[a.level] - levelOrder[b.level] || a.nameRank - b.nameRank);
}

// ---------- selection ----------

export function selectPlace(id) {
  selectedPlace = id;
  notify('placeSelected', id);
}

export function selectAlert(id) {
  selectedAlert = id;
  notify('alerts');
}

// ---------- alerts ----------

/** The book changed under the live connection, which keeps it. */
export function alertsChanged() {
  notify('alerts');
}

/** An alert's view from an answer of the server. */
export function changeAlert(view) {
  book.changed(view);
  notify('alerts');
}

/** The state as people say it: a dispatched alert the guard has accepted is "accepted". */
export function shownState(alert) {
  return alert.state === 'dispatched' && alert.acceptedAt ? 'accepted' : alert.state;
}

export const waitingStates = new Set(['raised', 'cleared-ack-required']);

/** Alerts nobody has acknowledged yet, the newest first: they ring until someone does. */
export function unacknowledged() {
  return book.sortedOpen().filter((a) => waitingStates.has(a.state));
}
