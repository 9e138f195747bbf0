// A list that keeps only the rows in view, and a margin around them, in the DOM. Every row has the same height and is
// placed by its index; each tells assistive technology where it stands in the whole list (aria-posinset, aria-setsize),
// and the DOM holds the rows in the list's order. The focused row stays in the DOM wherever the list moves it.

export class VirtualList {
  /**
   * @param scroller the element that scrolls (the list's parent)
   * @param list the <ul>; its height is the whole list's
   * @param key item → a string that names the item's row
   * @param render (item, li) → fills or updates the row's element (the same element for the same key while it is shown)
   * @param margin rows kept above and below the view
   */
  constructor(scroller, list, { key, render, margin = 10 }) {
    this.scroller = scroller;
    this.list = list;
    this.key = key;
    this.render = render;
    this.margin = margin;
    this.items = [];
    this.index = new Map(); // key → index in items
    this.rows = new Map(); // key → li, the rows in the DOM
    this.pitch = 0; // a row's height, measured from the first row drawn
    this.stale = new Set(); // keys to render again at the next draw
    this.allStale = false;
    this.pending = false;
    scroller.addEventListener('scroll', () => this.drawSoon(), { passive: true });
    new ResizeObserver(() => this.drawSoon()).observe(scroller);
    list.addEventListener('keydown', (event) => this.onKey(event));
  }

  /** A new order or a new filter: the view is drawn again; `changed` keys (or all, when true) are rendered again. */
  setItems(items, changed = true) {
    this.items = items;
    this.index = new Map();
    for (let i = 0; i < items.length; i++) this.index.set(this.key(items[i]), i);
    this.refresh(changed === true ? undefined : changed);
    this.draw();
  }

  /** Renders again the rows of `keys` that are in the DOM (all of them when none are given), in the next frame. */
  refresh(keys) {
    if (keys === undefined) this.allStale = true;
    else for (const key of keys) if (this.rows.has(key)) this.stale.add(key);
    this.drawSoon();
  }

  /** Draws now what `refresh` asked for, if anything (for a caller that already is in an animation frame). */
  flush() {
    if (this.allStale || this.stale.size) this.draw();
  }

  drawSoon() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  /** The rows from `first` to before `last` that the view and its margin cover. */
  range() {
    const pitch = this.pitch || 80;
    const top = this.scroller.scrollTop;
    const height = this.scroller.clientHeight || pitch * 20;
    const first = Math.max(0, Math.floor(top / pitch) - this.margin);
    const last = Math.min(this.items.length, Math.ceil((top + height) / pitch) + this.margin);
    return [first, last];
  }

  draw() {
    const focused = this.focusedRow();
    const focusedKey = focused?.dataset.key;
    const [first, last] = this.range();
    const wanted = [];
    for (let i = first; i < last; i++) wanted.push(i);
    const focusedIndex = focusedKey === undefined ? undefined : this.index.get(focusedKey);
    if (focusedIndex !== undefined && (focusedIndex < first || focusedIndex >= last)) {
      if (focusedIndex < first) wanted.unshift(focusedIndex);
      else wanted.push(focusedIndex);
    }
    const keep = new Set();
    const order = [];
    for (const i of wanted) {
      const item = this.items[i];
      const key = this.key(item);
      keep.add(key);
      let li = this.rows.get(key);
      if (!li) {
        li = document.createElement('li');
        li.dataset.key = key;
        this.rows.set(key, li);
        this.render(item, li);
      } else if (this.allStale || this.stale.has(key)) {
        this.render(item, li);
      }
      if (li.rowIndex !== i) {
        li.rowIndex = i;
        li.style.transform = `translateY(${i * (this.pitch || 80)}px)`;
        li.setAttribute('aria-posinset', String(i + 1));
      }
      if (li.getAttribute('aria-setsize') !== String(this.items.length)) li.setAttribute('aria-setsize', String(this.items.length));
      order.push(li);
    }
    this.stale.clear();
    this.allStale = false;
    for (const [key, li] of this.rows) {
      if (!keep.has(key)) {
        li.remove();
        this.rows.delete(key);
      }
    }
    const children = this.list.children;
    let same = children.length === order.length;
    for (let i = 0; same && i < order.length; i++) same = children[i] === order[i];
    if (!same) {
      const active = document.activeElement;
      this.list.replaceChildren(...order);
      if (active && active !== document.activeElement && this.list.contains(active)) active.focus({ preventScroll: true });
    }
    if (!this.pitch && order.length) this.measure(order[0]);
    this.list.style.height = `${this.items.length * (this.pitch || 80)}px`;
  }

  /** The row height is the CSS's: read once from a drawn row, then every row is placed again. */
  measure(li) {
    const height = li.offsetHeight;
    if (!height) return;
    this.pitch = height;
    for (const row of this.rows.values()) row.rowIndex = undefined;
    this.draw();
  }

  focusedRow() {
    const active = document.activeElement;
    const li = active && this.list.contains(active) ? active.closest('li') : null;
    return li && li.parentNode === this.list ? li : null;
  }

  /** Scrolls row `i` into view, draws it and gives its first focusable element the focus. */
  focusIndex(i) {
    if (!this.items.length) return;
    const index = Math.max(0, Math.min(this.items.length - 1, i));
    const pitch = this.pitch || 80;
    const top = index * pitch;
    if (top < this.scroller.scrollTop) this.scroller.scrollTop = top;
    else if (top + pitch > this.scroller.scrollTop + this.scroller.clientHeight) this.scroller.scrollTop = top + pitch - this.scroller.clientHeight;
    this.draw();
    this.rows.get(this.key(this.items[index]))?.querySelector('button, [tabindex]')?.focus({ preventScroll: true });
  }

  onKey(event) {
    const li = this.focusedRow();
    if (!li || event.altKey || event.ctrlKey || event.metaKey) return;
    const at = this.index.get(li.dataset.key);
    if (at === undefined) return;
    const page = Math.max(1, Math.floor(this.scroller.clientHeight / (this.pitch || 80)) - 1);
    const to = { ArrowDown: at + 1, ArrowUp: at - 1, PageDown: at + page, PageUp: at - page, Home: 0, End: this.items.length - 1 }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    this.focusIndex(to);
  }
}
