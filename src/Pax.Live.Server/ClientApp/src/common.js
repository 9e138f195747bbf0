// What both pages share: words in two languages, signing in, the HTTP API, the live connection with its resume, and
// the alerts as this browser knows them.
import * as signalR from '@microsoft/signalr';
import { words } from './i18n.js';

// ---------- language ----------

let lang = localStorage.getItem('pax.lang') === 'en' ? 'en' : 'sv';
const languageListeners = [];

/** The word for `key` in the chosen language; `{0}`, `{1}` … are replaced by `args`. */
export function t(key, ...args) {
  const text = words[lang][key] ?? words.sv[key] ?? key;
  return text.replace(/\{(\d)\}/g, (_, i) => String(args[Number(i)] ?? ''));
}

/** The glossary's word for a code (`term('kind', 'impulse')`); the code itself when the glossary has none. */
export function term(prefix, code) {
  const key = `${prefix}.${code}`;
  return words[lang][key] ?? words.sv[key] ?? String(code ?? '–');
}

export function language() {
  return lang;
}

/** Switches the language, rewrites every marked element and tells the page to render again. */
export function setLanguage(next) {
  lang = next === 'en' ? 'en' : 'sv';
  localStorage.setItem('pax.lang', lang);
  translate(document);
  for (const listener of languageListeners) listener();
}

export function onLanguage(listener) {
  languageListeners.push(listener);
}

/** Elements say what they need: data-i18n (text), data-i18n-label (aria-label), data-i18n-placeholder, data-i18n-title. */
export function translate(root) {
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  const title = document.querySelector('title[data-i18n]');
  if (title) document.title = title.textContent;
}

export function wireLanguagePicker(select) {
  select.value = lang;
  select.addEventListener('change', () => setLanguage(select.value));
}

// ---------- small helpers ----------

/** Creates an element: el('li', {class: 'x', onclick: f}, child, 'text', …). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** Replaces a node's children, leaving out the null and false of conditional parts. */
export function fill(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

// ---------- one clock ----------

// Every age is measured against the server's clock, as read from its answers' Date header: a browser whose clock is off
// would otherwise show a working camera as silent, or an old value as fresh. The header has whole seconds, so an
// offset under two seconds is taken as none.
let clockOffset = 0;

/** Now, on the server's clock, in Unix ms. */
export function serverNow() {
  return Date.now() + clockOffset;
}

function learnClock(response) {
  const date = Date.parse(response.headers.get('date') ?? '');
  if (Number.isNaN(date)) return;
  const offset = date + 500 - Date.now();
  clockOffset = Math.abs(offset) < 2000 ? 0 : offset;
}

/** "12 s", "4 min", "3 h" ago; "–" for never. */
export function age(iso, now = serverNow()) {
  if (!iso) return t('never');
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 90) return t('secondsAgo', seconds);
  if (seconds < 90 * 60) return t('minutesAgo', Math.round(seconds / 60));
  if (seconds < 48 * 3600) return t('hoursAgo', Math.round(seconds / 3600));
  return t('daysAgo', Math.round(seconds / 86400));
}

export function clock(iso) {
  if (!iso) return '–';
  return new Date(iso).toLocaleTimeString(lang === 'sv' ? 'sv-SE' : 'en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function dateTime(iso) {
  if (!iso) return '–';
  return new Date(iso).toLocaleString(lang === 'sv' ? 'sv-SE' : 'en-GB', { dateStyle: 'short', timeStyle: 'medium' });
}

/** Announces a message to screen readers and shows it in the page's status line. */
export function announce(message, kind = 'info') {
  const status = document.getElementById('announcer');
  if (!status) return;
  status.textContent = message;
  status.dataset.kind = kind;
}

/** Announces an error in the chosen language; the server's own words stay in the element's title for support. */
export function announceError(e) {
  announce(errorText(e), 'error');
  const status = document.getElementById('announcer');
  if (status && e instanceof ApiError && e.detail) status.title = e.detail;
}

/** An error shown before the connection came back is about a world that has moved on: it goes. */
export function clearErrors() {
  const status = document.getElementById('announcer');
  if (status?.dataset.kind === 'error') {
    status.textContent = '';
    status.dataset.kind = 'info';
    status.removeAttribute('title');
  }
}

// ---------- words for what the server sends as codes and numbers ----------

/** An alert's text from its kind, place and value, in the chosen language (the server's English summary is not shown). */
export function alertText(alert, placeName) {
  const value = alert.value;
  switch (alert.kind) {
    case 'impulse':
      return t('text.impulse', placeName);
    case 'fire':
      return t('text.fire', placeName, value === null || value === undefined ? '–' : number(value, 2));
    case 'report':
      return t('text.report', placeName, value === null || value === undefined ? alert.severity : number(value, 0));
    default:
      return t('text.other', placeName, '', term('kind', alert.kind));
  }
}

/** A number in the chosen language's notation; never "-0". */
export function number(value, digits = 0) {
  const rounded = Number(value.toFixed(digits));
  return (Object.is(rounded, -0) ? 0 : rounded).toLocaleString(lang === 'sv' ? 'sv-SE' : 'en-GB', {
    minimumFractionDigits: digits, maximumFractionDigits: digits,
  });
}

/** "1 min", "90 s". */
export function duration(seconds) {
  return seconds >= 60 && seconds % 60 === 0 ? t('durationMinutes', seconds / 60) : t('durationSeconds', Math.round(seconds));
}

/** One line of an audit trail in the chosen language, from its codes; the stored English `why` only as a last resort. */
export function auditText(entry) {
  const actor = entry.actor === 'system' ? t('system') : entry.actor;
  const action = entry.action.replaceAll(' ', '-');
  const words = [actor, term('action', action)];
  if (entry.guard) words.push(t('toGuard', entry.guard));
  if (entry.reason) words.push(`(${t(`reason.${entry.reason}`, entry.waitSeconds ? duration(entry.waitSeconds) : '', entry.guard ?? '')})`);
  if (entry.outcome) words.push(`(${term('outcome', entry.outcome)}${entry.note ? `: ${entry.note}` : ''})`);
  else if (!entry.reason && !entry.guard && entry.why && action !== 'raised' && action !== 'dispatched') words.push(`(${entry.why})`);
  return words.join(' ');
}

// ---------- signing in and the HTTP API ----------

const sessionKey = 'pax.session';

export function session() {
  try {
    const value = JSON.parse(sessionStorage.getItem(sessionKey) ?? 'null');
    if (value && Date.parse(value.expiresAt) > Date.now()) return value;
  } catch {
    // A broken entry is the same as none.
  }
  return null;
}

/** Takes a session this browser kept elsewhere (the guard app's, for its service worker) as this tab's. */
export function adoptSession(value) {
  sessionStorage.setItem(sessionKey, JSON.stringify(value));
}

export async function login(username, password) {
  let response;
  try {
    response = await fetch('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
  } catch {
    throw new ApiError(0, '');
  }
  // A wrong name or password is one answer (401); a throttled or failing server says what it is, like any refusal.
  if (response.status === 401) throw new Error(t('loginFailed'));
  if (!response.ok) throw await refusal(response);
  const value = await response.json();
  sessionStorage.setItem(sessionKey, JSON.stringify(value));
  return value;
}

export function logout() {
  sessionStorage.removeItem(sessionKey);
  location.reload();
}

/** A refusal or a failure of the API: what the person reads is `errorText(e)`, in their language. */
export class ApiError extends Error {
  constructor(status, detail, { fields = [], retryAfter = 0 } = {}) {
    super(detail || String(status));
    this.status = status; // 0: the server was not reached
    this.detail = detail;
    this.fields = fields; // the names of the fields a validation problem refused
    this.retryAfter = retryAfter; // seconds, from a 429's Retry-After
  }
}

/** The words for an error in the chosen language: never the browser's "Failed to fetch" nor the server's English. */
export function errorText(e) {
  const status = e instanceof ApiError ? e.status : 0;
  if (status === 0) return t('error.network');
  if (status === 401) return t('signedOut');
  if (status === 403) return t('error.forbidden');
  if (status === 404) return t('error.notFound');
  if (status === 409) return t('error.conflict');
  if (status === 400 || status === 422) {
    return e.fields.length ? t('error.invalidFields', e.fields.map((f) => term('field', f)).join(', ')) : t('error.invalid');
  }
  if (status === 413) return t('error.tooLarge');
  if (status === 429) return t('error.tooMany', e.retryAfter || 1);
  if (status === 503) return t('error.unavailable');
  return t('error.server', status);
}

/** The ApiError of a response that is not ok: its ProblemDetails' detail and refused fields, and a 429's wait. */
async function refusal(response) {
  let detail = '';
  let fields = [];
  try {
    const problem = await response.json();
    detail = problem.detail ?? problem.title ?? '';
    fields = Object.keys(problem.errors ?? {});
  } catch {
    // Not JSON: the status code says enough.
  }
  const retryAfter = Number.parseInt(response.headers.get('retry-after') ?? '', 10) || 0;
  return new ApiError(response.status, detail, { fields, retryAfter });
}

/** Calls the API with the session's token; a refusal or an unreachable server is an ApiError. */
export async function api(path, { method = 'GET', body, accept } = {}) {
  const current = session();
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(accept ? { accept } : {}),
        ...(current ? { authorization: `Bearer ${current.token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, '');
  }
  learnClock(response);
  if (response.status === 401) {
    logout();
    throw new ApiError(401, '');
  }
  if (!response.ok) throw await refusal(response);
  const type = response.headers.get('content-type') ?? '';
  const text = await response.text();
  return text && type.includes('json') ? JSON.parse(text) : text || null;
}

export async function uiConfig() {
  const fallback = { tileUrl: '', tileAttribution: '', staleAfterSeconds: 60 };
  try {
    const response = await fetch('/api/ui/config');
    return response.ok ? await response.json() : fallback;
  } catch {
    // The server is not reached: the page starts with the defaults and says it is offline.
    return fallback;
  }
}

/** Wires a login form; resolves with the session once signed in (at once if already). */
export function signIn(form, allowedRoles) {
  const existing = session();
  if (existing && allowedRoles.includes(existing.user.role)) return Promise.resolve(existing);
  form.hidden = false;
  form.querySelector('input')?.focus();
  return new Promise((resolve) => {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const error = form.querySelector('.error');
      error.textContent = '';
      try {
        const value = await login(form.username.value.trim(), form.password.value);
        if (!allowedRoles.includes(value.user.role)) {
          sessionStorage.removeItem(sessionKey);
          throw new Error(t('wrongRole'));
        }
        form.hidden = true;
        resolve(value);
      } catch (e) {
        error.textContent = e instanceof ApiError ? errorText(e) : e.message;
        form.password.select();
      }
    });
  });
}

// ---------- alerts as this browser knows them ----------

// As the server orders the queue: the most severe first, then the newest.
const severityOrder = (a, b) => b.severity - a.severity || Date.parse(b.raisedAt) - Date.parse(a.raisedAt);

/** Open alerts by id, and the ones resolved while this page was open. */
export class AlertBook {
  constructor() {
    this.open = new Map();
    this.resolved = new Map();
  }

  /** An AlertRaised event: returns true when the alert is new to this page. */
  raised(alert) {
    if (this.open.has(alert.alertId) || this.resolved.has(alert.alertId)) return false;
    this.open.set(alert.alertId, {
      alertId: alert.alertId, placeId: alert.placeId, kind: alert.kind, severity: alert.severity, state: 'raised',
      raisedAt: alert.raisedAt, lastSeen: alert.raisedAt, count: 1, summary: alert.summary, causeCleared: false,
      guard: null, outcome: null, note: null, area: alert.area ?? null, value: alert.value ?? null, acceptedAt: null,
    });
    return true;
  }

  /** An AlertView from an event or an answer: returns the previous view, if any. */
  changed(view) {
    const previous = this.open.get(view.alertId) ?? this.resolved.get(view.alertId);
    if (view.state === 'resolved') {
      this.open.delete(view.alertId);
      this.resolved.set(view.alertId, view);
    } else {
      this.open.set(view.alertId, view);
    }
    return previous;
  }

  /** The server's open alerts replace what was known of one audience (all: every open alert). */
  reset(open, belongs = () => true) {
    for (const [id, view] of this.open) {
      if (belongs(view)) this.open.delete(id);
    }
    for (const view of open) this.changed(view);
  }

  get(id) {
    return this.open.get(id) ?? this.resolved.get(id);
  }

  sortedOpen() {
    return [...this.open.values()].sort(severityOrder);
  }

  recentResolved(count = 20) {
    return [...this.resolved.values()].reverse().slice(0, count);
  }
}

// ---------- the live connection ----------

/**
 * /hubs/live with a visible state and a reconnect that never gives up. After every (re)connect it calls Watch, then
 * Resume with the last position taken per audience (docs/protocol.md 6.6): what was missed comes in order, or the
 * audience's open alerts replace what this page held. Pushed events at or below the last position are dropped; a pushed
 * event that skips numbers, or comes from another epoch, is not taken: Resume brings it with the ones before it.
 * FeedInterrupted (a node left the cluster) does the same as a reconnect, without one.
 */
export class Live {
  constructor({ book, onStatus, onStatuses, onAlertRaised, onAlertChanged, onAlertsReset, onState, watch = null }) {
    this.book = book;
    this.handlers = { onStatus, onStatuses, onAlertRaised, onAlertChanged, onAlertsReset, onState };
    this.watch = watch;
    this.cursors = new Map(); // audience → the last position taken
    this.resuming = null;
    this.again = false;
    this.held = []; // events pushed while a Resume is on its way, taken after it
    this.state = 'connecting';
    this.connection = new signalR.HubConnectionBuilder()
      .withUrl('/hubs/live', { accessTokenFactory: () => session()?.token ?? '' })
      .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (ctx) => Math.min(10_000, 500 * 2 ** ctx.previousRetryCount) })
      .configureLogging(signalR.LogLevel.Warning)
      .build();
    // A line that drops silently shows only as silence: the server pings every 2 s (LiveKeepAlive.cs), so 5 s without
    // a byte means the connection is gone, and the page says so (the reconnect starts at once).
    this.connection.serverTimeoutInMilliseconds = 5_000;
    this.connection.keepAliveIntervalInMilliseconds = 2_000;
    this.connection.on('PlaceStatusChanged', (change) => onStatus?.(change));
    this.connection.on('AlertRaised', (alert) => this.pushed({ raised: alert, position: alert.position }));
    this.connection.on('AlertChanged', (view) => this.pushed({ changed: view, position: view.position }));
    // A node left the cluster: events may have been lost on the way, so fetch statuses and missed alerts now.
    this.connection.on('FeedInterrupted', () => this.synchronise());
    this.connection.onreconnecting(() => this.setState('reconnecting'));
    this.connection.onreconnected(() => this.synchronise());
    this.connection.onclose(() => {
      this.setState('offline');
      setTimeout(() => this.start(), 3000);
    });
  }

  setState(state) {
    this.state = state;
    this.handlers.onState?.(state);
  }

  async start() {
    this.setState('connecting');
    try {
      await this.connection.start();
    } catch {
      this.setState('offline');
      setTimeout(() => this.start(), 3000);
      return;
    }
    await this.synchronise();
  }

  async synchronise() {
    try {
      if (this.watch) this.handlers.onStatuses?.(await this.connection.invoke('Watch', this.watch));
      await this.resume();
      this.setState('connected');
    } catch {
      // The connection dropped in between: the reconnect comes back here.
      this.setState('reconnecting');
    }
  }

  pushed(entry) {
    if (this.resuming) {
      this.held.push(entry);
      return;
    }
    const cursor = this.cursors.get(entry.position.audience);
    if (cursor && cursor.epoch === entry.position.epoch && entry.position.seq <= cursor.seq) return;
    if (!cursor || cursor.epoch !== entry.position.epoch || entry.position.seq > cursor.seq + 1) {
      this.resumeSoon();
      return;
    }
    this.take(entry);
  }

  take(entry) {
    this.cursors.set(entry.position.audience, { ...entry.position });
    if (entry.raised && this.book.raised(entry.raised)) this.handlers.onAlertRaised?.(this.book.get(entry.raised.alertId));
    if (entry.changed) this.handlers.onAlertChanged?.(entry.changed, this.book.changed(entry.changed));
  }

  /** Resume, and again a second later if it failed while connected (the server could not reach the feed yet). */
  resumeSoon() {
    this.resume().catch(() => {
      if (this.connection.state === signalR.HubConnectionState.Connected) setTimeout(() => this.resumeSoon(), 1000);
    });
  }

  /** One Resume at a time; a call while one is on its way runs once more after it. */
  resume() {
    if (this.resuming) {
      this.again = true;
      return this.resuming;
    }
    this.resuming = (async () => {
      try {
        do {
          this.again = false;
          await this.resumeOnce();
        } while (this.again);
      } finally {
        this.resuming = null;
        // What came in meanwhile: taken if it follows on, dropped if the page already had it. One of another epoch is
        // dropped too, but asks for one more Resume: it may be of a feed that started afresh after the page was read,
        // whose first events would otherwise be lost (of an older epoch, that Resume changes nothing).
        let otherEpoch = false;
        for (const entry of this.held.splice(0)) {
          const cursor = this.cursors.get(entry.position.audience);
          if (!cursor || cursor.epoch === entry.position.epoch) this.pushed(entry);
          else otherEpoch = true;
        }
        if (otherEpoch) this.resumeSoon();
      }
    })();
    return this.resuming;
  }

  async resumeOnce() {
    const pages = await this.connection.invoke('Resume', [...this.cursors.values()]);
    for (const page of pages) {
      if (page.reset) {
        const area = page.audience.startsWith('area:') ? page.audience.slice(5) : null;
        this.cursors.delete(page.audience);
        this.book.reset(page.open ?? [], (view) => area === null || view.area === area);
        this.handlers.onAlertsReset?.();
      }
      for (const entry of page.entries ?? []) {
        const cursor = this.cursors.get(page.audience);
        if (cursor && cursor.epoch === entry.position.epoch && entry.position.seq <= cursor.seq) continue;
        this.take(entry);
      }
      this.cursors.set(page.audience, { audience: page.audience, epoch: page.epoch, seq: page.seq });
    }
  }
}

// When the page last had the connection: the banner says since when the picture is not live.
let lostAt = null;
let bannerTimer = null;

/** Whether the page is live now: actions and fresh colours need it. */
export function isLive() {
  return document.body.dataset.live === 'true';
}

/**
 * Shows the connection's state in an element that is always on screen and, when the connection is lost, a red banner
 * at once (reconnecting, offline) or after three seconds of a first connection that does not come (connecting).
 */
export function showConnection(element, state) {
  element.dataset.state = state;
  element.textContent = t(`conn.${state}`);
  element.setAttribute('aria-label', `${t('connection')}: ${t(`conn.${state}`)}`);
  const banner = document.getElementById('offline-banner');
  document.body.dataset.live = String(state === 'connected');
  clearTimeout(bannerTimer);
  if (state === 'connected') {
    lostAt = null;
    if (banner) banner.hidden = true;
    return;
  }
  lostAt ??= new Date(serverNow()).toISOString();
  if (!banner) return;
  const show = () => {
    fill(banner, el('strong', {}, t('offlineBanner')), ' ', el('span', {}, t('offlineSince', clock(lostAt))), ' ', el('span', {}, t('actionsOff')));
    banner.hidden = false;
  };
  if (state === 'connecting' && banner.hidden) bannerTimer = setTimeout(show, 3000);
  else show();
}

export const levels = ['alert', 'elevated', 'calm', 'unknown'];

export const kindsOrder = ['impulse', 'fire', 'tamper', 'report', 'people', 'motion', 'loiter', 'sound'];
