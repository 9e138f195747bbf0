// The board: every place on the map and in the list, with the filters over both.
import L from 'leaflet';
import { age, api, el, fill, levels, onLanguage, t, term } from './common.js';
import { GridClusters } from './clusters.js';
import { VirtualList } from './virtuallist.js';
import {
  addPlaces, book, config, filter, isStale, levelWhy, on, places, selectPlace, selectedPlace, setFilter, shownPlaces,
  visible,
} from './control-state.js';

const $ = (id) => document.getElementById(id);

// Names stand beside the places while a board is small enough to read them; beyond that the tooltip names them.
const labelledUpTo = 200;

const levelColours = { calm: '#3fb950', elevated: '#d29922', alert: '#f85149', unknown: '#8b949e' };

let map;
const markers = new Map();
let placeList; // the VirtualList of #place-list
let clusters = null; // the map's GridClusters while the board has more than labelledUpTo places

/** The map and the list, drawn from the state from now on; returns the map, for what else stands on it. */
export function setUpBoard() {
  setUpMap();
  placeList = new VirtualList($('place-scroller'), $('place-list'), { key: (place) => place.id, render: renderRow });
  on('places', renderPlaces);
  on('statuses', drawChanges);
  on('placeSelected', refreshRows);
  on('alerts', refreshRows);
  onLanguage(() => {
    renderLegend();
    setUpFilters();
    renderPlaces();
  });
  return map;
}

/** Every place, with the map brought round them. */
export async function loadPlaces() {
  const views = await api('/api/places');
  const bounds = L.latLngBounds(views.map((p) => [p.latitude, p.longitude]));
  if (bounds.isValid()) map.fitBounds(bounds.pad(0.3), { maxZoom: 16, animate: false });
  addPlaces(views);
  setUpFilters();
}

function setUpFilters() {
  const areaSelect = $('filter-area');
  const levelSelect = $('filter-level');
  const areas = [...new Set([...places.values()].map((p) => p.area).filter(Boolean))].sort((a, b) => a.localeCompare(b));
  areaSelect.replaceChildren(el('option', { value: '' }, t('allAreas')), ...areas.map((a) => el('option', { value: a }, a)));
  levelSelect.replaceChildren(el('option', { value: '' }, t('allLevels')), ...levels.map((l) => el('option', { value: l }, t(`level.${l}`))));
  areaSelect.value = filter.area;
  levelSelect.value = filter.level;
  if (!areaSelect.dataset.wired) {
    areaSelect.dataset.wired = levelSelect.dataset.wired = '1';
    // Another filter is another list: it is read from its top.
    const filtered = () => {
      $('place-scroller').scrollTop = 0;
      setFilter(areaSelect.value, levelSelect.value);
    };
    areaSelect.addEventListener('change', filtered);
    levelSelect.addEventListener('change', filtered);
  }
}

/** Everything again: the list's order and the rows in view, and the map. */
export function renderPlaces() {
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

/** One frame's worth of status changes: the list sorted again if a level changed, the changed rows and markers. */
function drawChanges(ids, reordered) {
  if (reordered) placeList.setItems(shownPlaces(), ids);
  else placeList.refresh(ids);
  placeList.flush();
  const changed = ids.map((id) => places.get(id));
  if (!clusters) {
    for (const place of changed) renderMarker(place);
  } else if (reordered && filter.level) {
    clusters.setPlaces(shownPlaces());
  } else {
    for (const place of changed) if (clusters.isSingle(place.id)) renderMarker(place);
    if (reordered) clusters.changed(changed);
  }
}

/** The rows in view again, now (selection, alerts, ages); the order stays. */
export function refreshRows() {
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
export function restyleStaleMarkers() {
  for (const [id, marker] of markers) {
    const place = places.get(id);
    if (place && isStale(place) !== marker.stale) renderMarker(place);
  }
}
