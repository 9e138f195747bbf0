// Many places on the map: a grid of square cells over the view at the map's zoom. A cell with one place draws the place
// itself (the caller's marker); a cell with more draws one round marker with their count, in the colour of the worst
// level among them, and clicking it zooms in. Only the view and a margin around it are drawn, so the map holds at most
// about one marker per cell whatever the number of places.
import L from 'leaflet';

// The order of the list: the first is the worst.
const worstFirst = { alert: 0, elevated: 1, unknown: 2, calm: 3 };

export class GridClusters {
  /**
   * @param map the Leaflet map
   * @param show place → draws the place's own marker (made or updated by the caller)
   * @param hide id → removes the place's own marker
   * @param title (count, level) → what the cluster says to a pointer's tooltip and to assistive technology
   * @param cell the cell's side in pixels
   * @param singlesFrom from this zoom on every place is drawn on its own
   */
  constructor(map, { show, hide, title, cell = 72, singlesFrom = 18 }) {
    this.map = map;
    this.show = show;
    this.hide = hide;
    this.title = title;
    this.cell = cell;
    this.singlesFrom = singlesFrom;
    this.places = [];
    this.singles = new Set(); // ids drawn on their own
    this.clusters = new Map(); // cell key → { key, members, level, marker }
    this.clusterOf = new Map(); // id → its cluster, for the places drawn in one
    map.on('moveend', () => this.draw());
  }

  /** Draws `places` (the ones the filters let through) in the view. */
  setPlaces(places) {
    this.places = places;
    this.draw();
  }

  isSingle(id) {
    return this.singles.has(id);
  }

  draw() {
    const map = this.map;
    const zoom = map.getZoom();
    const view = map.getBounds().pad(0.25);
    const south = view.getSouth();
    const north = view.getNorth();
    const west = view.getWest();
    const east = view.getEast();
    const cells = new Map();
    for (const place of this.places) {
      const { latitude, longitude } = place;
      if (latitude < south || latitude > north || longitude < west || longitude > east) continue;
      let key = place.id;
      if (zoom < this.singlesFrom) {
        const point = map.project([latitude, longitude], zoom);
        key = `${Math.floor(point.x / this.cell)}:${Math.floor(point.y / this.cell)}`;
      }
      const members = cells.get(key);
      if (members) members.push(place);
      else cells.set(key, [place]);
    }

    const singles = new Set();
    this.clusterOf.clear();
    for (const [key, members] of cells) {
      if (members.length === 1) {
        singles.add(members[0].id);
        continue;
      }
      let cluster = this.clusters.get(key);
      if (!cluster) {
        cluster = { key, members, level: null, count: 0, marker: null };
        this.clusters.set(key, cluster);
      }
      cluster.members = members;
      for (const place of members) this.clusterOf.set(place.id, cluster);
      this.paint(cluster);
    }
    for (const [key, cluster] of this.clusters) {
      if (cells.get(key)?.length > 1) continue;
      cluster.marker?.remove();
      this.clusters.delete(key);
    }
    for (const id of this.singles) if (!singles.has(id)) this.hide(id);
    this.singles = singles;
    for (const [, members] of cells) if (members.length === 1) this.show(members[0]);
  }

  /** Places whose level changed: the clusters they are in take their worst level again. */
  changed(places) {
    const touched = new Set();
    for (const place of places) {
      const cluster = this.clusterOf.get(place.id);
      if (cluster) touched.add(cluster);
    }
    for (const cluster of touched) this.paint(cluster);
  }

  /** Removes every cluster and every single marker. */
  clear() {
    for (const cluster of this.clusters.values()) cluster.marker?.remove();
    this.clusters.clear();
    this.clusterOf.clear();
    for (const id of this.singles) this.hide(id);
    this.singles.clear();
  }

  paint(cluster) {
    let level = 'calm';
    let latitude = 0;
    let longitude = 0;
    for (const place of cluster.members) {
      if (worstFirst[place.level] < worstFirst[level]) level = place.level;
      latitude += place.latitude;
      longitude += place.longitude;
    }
    const count = cluster.members.length;
    const centre = [latitude / count, longitude / count];
    if (cluster.marker && cluster.level === level && cluster.count === count) {
      cluster.marker.setLatLng(centre);
      return;
    }
    cluster.level = level;
    cluster.count = count;
    const size = Math.round(26 + 6 * Math.log10(count));
    const icon = L.divIcon({
      className: `place-cluster marker-${level}`,
      html: String(count),
      iconSize: [size, size],
    });
    if (!cluster.marker) {
      cluster.marker = L.marker(centre, { icon, keyboard: true, title: this.title(count, level) }).addTo(this.map);
      cluster.marker.on('click', () => this.zoomInto(cluster));
    } else {
      cluster.marker.setLatLng(centre);
      cluster.marker.setIcon(icon);
      cluster.marker.getElement()?.setAttribute('title', this.title(count, level));
    }
  }

  zoomInto(cluster) {
    const bounds = L.latLngBounds(cluster.members.map((p) => [p.latitude, p.longitude]));
    const zoom = Math.min(this.singlesFrom, Math.max(this.map.getZoom() + 1, this.map.getBoundsZoom(bounds.pad(0.1))));
    this.map.setView(bounds.getCenter(), zoom);
  }
}
