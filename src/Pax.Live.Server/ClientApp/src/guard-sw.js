// The guard app's service worker: the app shell from the phone's cache when the server cannot be reached, and the
// pushes (alerts with the app closed): a notification in the guard's language, the receipt confirmed at once, and
// "Acceptera" / "Öppna" from the lock screen. It holds only what the page left it: the token and the language.
import { words } from './i18n.js';

const shellCache = 'pax-guard-shell';
const sessionCache = 'pax-guard-session';
const sessionUrl = '/guard-session';
const shell = ['/guard', '/guard.js', '/guard.css', '/guard.webmanifest', '/guard.en.webmanifest', '/icons/guard-192.png', '/icons/guard-512.png'];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(shellCache);
    await cache.addAll(shell);
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

// The network first, so that a new version shows at once; the cache only when the server is not reached. Only the
// shell is cached: the API, the live connection and the health check say what is true now.
const cacheable = (path) => shell.includes(path) || path.startsWith('/assets/') || path.startsWith('/icons/');

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin || !cacheable(url.pathname)) return;
  event.respondWith(networkFirst(event.request));
});

async function networkFirst(request) {
  const cache = await caches.open(shellCache);
  try {
    const response = await fetch(request);
    if (response.ok && response.type === 'basic') await cache.put(request, response.clone());
    return response;
  } catch (e) {
    const cached = await cache.match(request, { ignoreSearch: true });
    if (cached) return cached;
    throw e;
  }
}

async function session() {
  try {
    const response = await (await caches.open(sessionCache)).match(sessionUrl);
    const value = response ? await response.json() : null;
    return value && Date.parse(value.expiresAt) > Date.now() ? value : null;
  } catch {
    return null;
  }
}

function say(lang, key, ...args) {
  const text = words[lang][key] ?? words.sv[key] ?? key;
  return text.replace(/\{(\d)\}/g, (_, i) => String(args[Number(i)] ?? ''));
}

/** POSTs an alert action with the guard's token; false when it could not be done (no token, refused, no network). */
async function act(current, alertId, action) {
  if (!current) return false;
  try {
    const response = await fetch(`/api/alerts/${encodeURIComponent(alertId)}/${action}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${current.token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    return response.ok;
  } catch {
    return false;
  }
}

/** A push: the alert id, place name, kind, severity and time, and whether it was dispatched to this guard. */
async function onPush(data) {
  if (!data?.alertId) return;
  const current = await session();
  const lang = current?.lang === 'en' ? 'en' : 'sv';
  const kind = words[lang][`kind.${data.kind}`] ?? words.sv[`kind.${data.kind}`] ?? data.kind;
  const at = new Date(data.at).toLocaleTimeString(lang === 'sv' ? 'sv-SE' : 'en-GB', { hour: '2-digit', minute: '2-digit' });
  await self.registration.showNotification(say(lang, data.dispatched ? 'push.dispatchedTitle' : 'push.newAlertTitle'), {
    body: say(lang, 'push.body', kind, data.place, say(lang, `severity.${data.severity}`), at),
    tag: data.alertId,
    renotify: true,
    requireInteraction: true,
    vibrate: [400, 150, 400, 150, 800],
    lang,
    icon: '/icons/guard-192.png',
    badge: '/icons/guard-192.png',
    data,
    actions: [
      ...(data.dispatched ? [{ action: 'accept', title: say(lang, 'accept') }] : []),
      { action: 'open', title: say(lang, 'push.open') },
    ],
  });
  // The control room sees that the phone has it, so escalation waits only for dispatches that did not arrive.
  if (data.dispatched) await act(current, data.alertId, 'received');
}

/** A tap on the notification or one of its actions: accept from the lock screen, or bring the app to the alert. */
async function onClick(action, notification) {
  notification.close();
  const data = notification.data ?? {};
  if (action === 'accept' && await act(await session(), data.alertId, 'accept')) return;
  await openApp(data.alertId);
}

async function openApp(alertId) {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const open = windows.find((w) => new URL(w.url).pathname === '/guard');
  if (open) {
    open.postMessage({ type: 'open-alert', alertId });
    try {
      await open.focus();
    } catch {
      // Focus is allowed only while handling the tap; the page already shows the alert.
    }
    return;
  }
  await self.clients.openWindow(`/guard#alert=${encodeURIComponent(alertId ?? '')}`);
}

self.addEventListener('push', (event) => {
  let data = null;
  try {
    data = event.data?.json() ?? null;
  } catch {
    // Not ours: nothing to show.
  }
  event.waitUntil(onPush(data));
});

self.addEventListener('notificationclick', (event) => event.waitUntil(onClick(event.action, event.notification)));

// A tap, handed over by a page of this origin: DevTools cannot tap a notification, so the browser tests run the same
// handler this way. It can only do what the signed-in guard's page can do itself.
self.addEventListener('message', (event) => {
  if (event.data?.type !== 'notification-action' || !event.data.alertId) return;
  event.waitUntil((async () => {
    const [shown] = await self.registration.getNotifications({ tag: event.data.alertId });
    await onClick(event.data.action, shown ?? { close() {}, data: { alertId: event.data.alertId } });
  })());
});
