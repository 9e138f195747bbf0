// The guard's page as an app on the phone: its manifest in the chosen language, the service worker (the shell from the
// phone's cache when the server is away, pushes with the app closed), and this phone's Web Push subscription.
import {
  ApiError, adoptSession, announce, announceError, api, el, fill, language, onLanguage, session, showConnection, t,
} from './common.js';

const $ = (id) => document.getElementById(id);
const deviceKey = 'pax.push.device';
const sessionCache = 'pax-guard-session';
const sessionUrl = '/guard-session';
const supported = 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
let registration = null;
let push = { newAlerts: false, devices: [] };

/** This phone's id in the guard's list of phones, made once. */
export function deviceId() {
  let id = localStorage.getItem(deviceKey);
  if (!id) {
    id = crypto.randomUUID();
    localStorage.setItem(deviceKey, id);
  }
  return id;
}

function showManifest() {
  $('manifest')?.setAttribute('href', language() === 'en' ? '/guard.en.webmanifest' : '/guard.webmanifest');
}

/** Registers the service worker for /guard; resolves with its registration, or null where there is none. */
export async function installApp() {
  showManifest();
  onLanguage(() => {
    showManifest();
    keepSession().catch(() => {});
  });
  if (!('serviceWorker' in navigator)) return null;
  try {
    registration = await navigator.serviceWorker.register('/guard-sw.js', { scope: '/guard' });
  } catch {
    registration = null;
  }
  return registration;
}

/** What the service worker needs to act from the lock screen: the token until it expires, and the language. */
export async function keepSession() {
  if (!('caches' in window)) return;
  const current = session();
  const cache = await caches.open(sessionCache);
  if (!current) {
    await cache.delete(sessionUrl);
    return;
  }
  const kept = { ...current, lang: language() };
  await cache.put(sessionUrl, new Response(JSON.stringify(kept), { headers: { 'content-type': 'application/json' } }));
}

/**
 * A tab opened from a notification (or the app started again) has no session of its own: it takes the one kept for
 * the service worker, if the server still accepts it. Offline it is taken as it is; the shell says it is offline.
 */
export async function restoreSession() {
  if (session() || !('caches' in window)) return;
  let kept = null;
  try {
    kept = await (await (await caches.open(sessionCache)).match(sessionUrl))?.json();
  } catch {
    // A broken entry is the same as none.
  }
  if (!kept?.token || !kept.user?.role || !(Date.parse(kept.expiresAt) > Date.now())) return;
  let response = null;
  try {
    response = await fetch('/api/auth/me', { headers: { authorization: `Bearer ${kept.token}` }, cache: 'no-store' });
  } catch {
    // Not reached: the token is taken as it is and checked when the server is back.
  }
  if (response && !response.ok) {
    // Signed out elsewhere, demoted or expired on the server: sign in again, and the worker stops using it too.
    await forgetSession();
    return;
  }
  adoptSession(kept);
}

export async function forgetSession() {
  if ('caches' in window) await (await caches.open(sessionCache)).delete(sessionUrl);
}

/** The page started from the phone's copy and the server is not reached: it says so, and starts again when it is back. */
export async function startedOffline() {
  showConnection($('connection'), 'offline');
  const banner = $('offline-banner');
  fill(banner, el('strong', {}, t('offlineBanner')), ' ', el('span', { class: 'shell-offline' }, t('shellOffline')));
  banner.hidden = false;
  for (;;) {
    await new Promise((resolve) => { setTimeout(resolve, 3000); });
    try {
      if ((await fetch('/healthz', { cache: 'no-store' })).ok) break;
    } catch {
      // Still away.
    }
  }
  location.reload();
  // Nothing after this on the old page: it is being replaced.
  await new Promise(() => {});
}

/** The service worker asks the page to show an alert (the guard tapped "Öppna"); a #alert=… link does the same. */
export function onOpenAlert(handler) {
  const fromHash = /^#alert=(.+)$/.exec(location.hash);
  if (fromHash) handler(decodeURIComponent(fromHash[1]));
  navigator.serviceWorker?.addEventListener('message', (event) => {
    if (event.data?.type === 'open-alert' && event.data.alertId) handler(event.data.alertId);
  });
}

// ---------- Web Push ----------

function fromBase64Url(text) {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  return Uint8Array.from(atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4)), (c) => c.charCodeAt(0));
}

function sameKey(subscription, publicKey) {
  const current = subscription.options?.applicationServerKey;
  if (!current) return false;
  const a = new Uint8Array(current);
  const b = fromBase64Url(publicKey);
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function mine() {
  const id = deviceId();
  return push.devices.some((d) => d.deviceId === id);
}

function pushState() {
  if (!supported) return 'unsupported';
  if (Notification.permission === 'denied') return 'blocked';
  return mine() ? 'on' : 'off';
}

function showPush() {
  const state = pushState();
  $('push').dataset.state = state;
  $('push-state').textContent = t(`push.${state}`);
  const button = $('push-toggle');
  button.hidden = state === 'unsupported' || state === 'blocked';
  button.textContent = t(state === 'on' ? 'push.turnOff' : 'push.turnOn');
  const newAlerts = $('push-new-alerts');
  newAlerts.checked = push.newAlerts;
  newAlerts.disabled = state !== 'on';
  const others = push.devices.filter((d) => d.deviceId !== deviceId());
  $('push-others').hidden = others.length === 0;
  $('push-others').textContent = t('push.otherDevices', others.map((d) => d.label || d.service).join(', '));
}

async function refreshPush() {
  try {
    push = await api('/api/push/subscriptions');
  } catch {
    // Away: the section shows what was known.
  }
  showPush();
}

function label() {
  return (navigator.userAgentData?.platform || /Android|iPhone|iPad|Windows|Mac|Linux/.exec(navigator.userAgent)?.[0] || '').slice(0, 64) || null;
}

async function subscribe() {
  if (await Notification.requestPermission() !== 'granted') return false;
  const ready = registration ?? await navigator.serviceWorker.ready;
  const { publicKey } = await api('/api/push/key');
  let subscription = await ready.pushManager.getSubscription();
  if (subscription && !sameKey(subscription, publicKey)) {
    await subscription.unsubscribe();
    subscription = null;
  }
  subscription ??= await ready.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: fromBase64Url(publicKey) });
  await api(`/api/push/subscriptions/${deviceId()}`, { method: 'PUT', body: { ...subscription.toJSON(), label: label() } });
  await keepSession();
  return true;
}

async function unsubscribe() {
  const subscription = await registration?.pushManager.getSubscription();
  await subscription?.unsubscribe().catch(() => {});
  await api(`/api/push/subscriptions/${deviceId()}`, { method: 'DELETE' });
}

async function toggle() {
  const button = $('push-toggle');
  button.disabled = true;
  try {
    if (mine()) {
      await unsubscribe();
      announce(t('push.turnedOff'));
    } else if (await subscribe()) {
      announce(t('push.turnedOn'));
    }
    await refreshPush();
  } catch (e) {
    if (e instanceof ApiError) announceError(e);
    else announce(t('push.failed'), 'error');
  } finally {
    button.disabled = false;
    showPush();
  }
}

/** The section "Larm till telefonen": whether this phone gets alerts, turning it on and off, and new alerts too or not. */
export async function setUpPush() {
  deviceId();
  $('push-toggle').addEventListener('click', toggle);
  $('push-new-alerts').addEventListener('change', async (event) => {
    try {
      push = await api('/api/push/settings', { method: 'PUT', body: { newAlerts: event.target.checked } });
    } catch (e) {
      announceError(e);
    }
    showPush();
  });
  onLanguage(showPush);
  await refreshPush();

  // A browser may renew its subscription: the server learns the current one whenever the page starts.
  if (mine() && supported && Notification.permission === 'granted' && registration) {
    const subscription = await registration.pushManager.getSubscription().catch(() => null);
    if (subscription) {
      api(`/api/push/subscriptions/${deviceId()}`, { method: 'PUT', body: { ...subscription.toJSON(), label: label() } }).catch(() => {});
    }
  }
}
