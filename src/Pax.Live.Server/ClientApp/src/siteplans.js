// Site plans: with no tile server, each area's plan is drawn under the places so the map shows where things are —
// outlines of streets and squares with their names, or an image the admin placed on its four corners.
// The server hands out only the plans of the areas the signed-in user covers.
import L from 'leaflet';
import './siteplans.css';
import { api, el, onLanguage, session, t } from './common.js';

const planPane = 'siteplans';
const labelPane = 'siteplan-labels';

// Under the places (Leaflet's overlay pane is 400) and above where tiles would be (200).
function panes(map) {
  if (!map.getPane(planPane)) map.createPane(planPane).style.zIndex = 350;
  if (!map.getPane(labelPane)) map.createPane(labelPane).style.zIndex = 360;
}

const styles = {
  street: { color: '#6e7681', weight: 7, opacity: 0.9, lineCap: 'round', fill: false },
  square: { color: '#6e7681', weight: 1, fillColor: '#30363d', fillOpacity: 0.9 },
  park: { color: '#2f5a3a', weight: 1, fillColor: '#1f3a27', fillOpacity: 0.9 },
  building: { color: '#8b949e', weight: 1, fillColor: '#262c36', fillOpacity: 0.9 },
};

function styleOf(feature) {
  const kind = feature.properties?.kind;
  const line = /LineString$/.test(feature.geometry.type);
  return styles[kind] ?? (line ? styles.street : styles.square);
}

function safeClass(text) {
  return String(text ?? '').toLowerCase().replace(/[^a-z0-9-]/g, '');
}

/** Outlines with names: the names stand in their own pane, under the places' markers and labels. */
function outlines(plan) {
  const group = L.layerGroup();
  for (const feature of plan.outlines.features) {
    const kind = safeClass(feature.properties?.kind);
    // Options at construction: Leaflet sets a path's class only when it makes the path.
    const options = { ...styleOf(feature), pane: planPane, interactive: false, className: `siteplan-outline siteplan-${plan.area}${kind ? ` kind-${kind}` : ''}` };
    const layer = L.GeoJSON.geometryToLayer(feature, {
      ...options,
      pointToLayer: (f, latlng) => L.circleMarker(latlng, { ...options, radius: 4 }),
    });
    group.addLayer(layer);
    const name = feature.properties?.name;
    if (!name) continue;
    const at = layer.getBounds ? layer.getBounds().getCenter() : layer.getLatLng();
    // An element, not a string: Leaflet would read a string as HTML.
    group.addLayer(L.tooltip({ permanent: true, direction: 'center', pane: labelPane, interactive: false, className: 'siteplan-label' })
      .setLatLng(at).setContent(el('span', { dataset: { area: plan.area } }, name)));
  }
  return group;
}

/** The 3×3 homography taking the w×h image's corners to the four points (clockwise from the top left), as CSS matrix3d. */
export function cornerTransform(w, h, [p0, p1, p2, p3]) {
  const dx1 = p1.x - p2.x; const dx2 = p3.x - p2.x; const dx3 = p0.x - p1.x + p2.x - p3.x;
  const dy1 = p1.y - p2.y; const dy2 = p3.y - p2.y; const dy3 = p0.y - p1.y + p2.y - p3.y;
  const det = dx1 * dy2 - dx2 * dy1;
  const g = det ? (dx3 * dy2 - dx2 * dy3) / det : 0;
  const k = det ? (dx1 * dy3 - dx3 * dy1) / det : 0;
  const a = p1.x - p0.x + g * p1.x; const b = p3.x - p0.x + k * p3.x; const c = p0.x;
  const d = p1.y - p0.y + g * p1.y; const e = p3.y - p0.y + k * p3.y; const f = p0.y;
  // Columns of the 4×4 matrix; the image's pixel (u, v) goes to ((a u/w + b v/h + c) / (g u/w + k v/h + 1), …).
  const m = [a / w, d / w, 0, g / w, b / h, e / h, 0, k / h, 0, 0, 1, 0, c, f, 0, 1];
  return `matrix3d(${m.map((n) => +n.toFixed(9)).join(',')})`;
}

/** An image stretched onto four corners that need not form a rectangle on the map. */
const CornerImage = L.Layer.extend({
  initialize(url, corners, options) {
    this._url = url;
    this._corners = [corners.topLeft, corners.topRight, corners.bottomRight, corners.bottomLeft].map((c) => L.latLng(c.latitude, c.longitude));
    L.setOptions(this, options);
  },
  onAdd(map) {
    this._image = el('img', { class: `siteplan-image siteplan-${this.options.area} leaflet-zoom-hide`, alt: this.options.alt, src: this._url, draggable: 'false' });
    this._image.addEventListener('load', () => this._place());
    map.getPane(planPane).append(this._image);
    this._place();
  },
  onRemove() {
    this._image.remove();
  },
  getEvents() {
    return { zoomend: this._place, viewreset: this._place };
  },
  getBounds() {
    return L.latLngBounds(this._corners);
  },
  setAlt(alt) {
    if (this._image) this._image.alt = alt;
  },
  _place() {
    const image = this._image;
    if (!image || !this._map) return;
    // An SVG without a size of its own is laid out on a square and stretched like any other image.
    const w = image.naturalWidth || 1000;
    const h = image.naturalHeight || 1000;
    image.style.width = `${w}px`;
    image.style.height = `${h}px`;
    image.style.transform = cornerTransform(w, h, this._corners.map((c) => this._map.latLngToLayerPoint(c)));
  },
});

async function imageUrl(path) {
  const current = session();
  const response = await fetch(path, { headers: current ? { authorization: `Bearer ${current.token}` } : {} });
  if (!response.ok) throw new Error(`site plan image: ${response.status}`);
  return URL.createObjectURL(await response.blob());
}

/**
 * Draws the plans of the user's areas on the map when there is no tile server; returns the layers drawn (none with
 * tiles). A plan that cannot be fetched leaves the map as it was: the places still stand at their coordinates.
 */
export async function showSitePlans(map, config) {
  if (config?.tileUrl) return [];
  panes(map);
  let plans;
  try {
    plans = await api('/api/siteplans');
  } catch {
    return [];
  }
  const layers = [];
  for (const plan of plans ?? []) {
    try {
      if (plan.outlines) {
        layers.push(outlines(plan).addTo(map));
      } else if (plan.image) {
        const layer = new CornerImage(await imageUrl(plan.image.url), plan.image.corners, { area: plan.area, alt: t('sitePlanOf', plan.area) });
        layers.push(layer.addTo(map));
      }
    } catch {
      // One plan that fails to load does not keep the others off the map.
    }
  }
  onLanguage(() => layers.forEach((layer) => layer.setAlt?.(t('sitePlanOf', layer.options.area))));
  return layers;
}
