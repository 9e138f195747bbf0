// The alert queue: the open alerts and the ones resolved lately, the banner of those nobody has acknowledged, and the
// selected alert's detail with what the operator does about it.
import { age, alertText, announce, announceError, api, auditText, clock, dateTime, el, fill, onLanguage, t, term } from './common.js';
import { offAttrs, offlineNote } from './control-offline.js';
import {
  book, changeAlert, on, placeName, readPlace, selectAlert, selectedAlert, shownState, unacknowledged, waitingStates,
} from './control-state.js';

const $ = (id) => document.getElementById(id);

let guardsByArea = new Map(); // area → the guards the control room can dispatch there

/** The queue, drawn from the state from now on. */
export function setUpQueue() {
  on('alerts', renderQueue);
  onLanguage(() => {
    renderQueue();
    if (selectedAlert) renderAlertDetail();
  });
}

function renderQueue() {
  const open = book.sortedOpen();
  $('queue-count').textContent = `(${open.length})`;
  fill($('alert-list'), ...(open.length ? open.map(alertItem) : [el('li', { class: 'empty' }, t('noAlerts'))]));
  fill($('resolved-list'), ...book.recentResolved().map(alertItem));
  renderAlarms();
}

/** The banner of unacknowledged alarms, the count in the header and in the page's title. */
function renderAlarms() {
  const waiting = unacknowledged();
  const banner = $('alarm-banner');
  const count = $('unacked');
  banner.hidden = waiting.length === 0;
  count.hidden = waiting.length === 0;
  count.textContent = t('unackedCount', waiting.length);
  document.title = `${waiting.length ? `(${waiting.length}) ` : ''}${t('title.control')}`;
  if (!waiting.length) {
    banner.replaceChildren();
    return;
  }
  fill(banner,
    el('h2', { id: 'alarm-banner-title' }, t('unackedTitle'), ' ', el('span', { class: 'count' }, `(${waiting.length})`)),
    el('ul', {}, ...waiting.slice(0, 5).map((a) => el('li', { class: `sev-${a.severity}`, dataset: { alert: a.alertId, place: a.placeId } },
      el('strong', {}, t('alarmLine', term('kind', a.kind), placeName(a.placeId))), ' ',
      el('time', { datetime: a.raisedAt }, clock(a.raisedAt)), ' (', el('span', { dataset: { age: a.raisedAt } }, age(a.raisedAt)), ') ',
      el('button', { type: 'button', onclick: () => openAlert(a.alertId) }, t('show'))))),
    waiting.length > 5 ? el('p', {}, `+${waiting.length - 5}`) : null);
}

function alertItem(alert) {
  const state = shownState(alert);
  return el('li', { class: `alert sev-${alert.severity} state-${alert.state}`, dataset: { alert: alert.alertId, state: alert.state, place: alert.placeId, accepted: String(Boolean(alert.acceptedAt)) } },
    el('button', {
      type: 'button',
      'aria-pressed': String(selectedAlert === alert.alertId),
      onclick: () => openAlert(alert.alertId),
    },
    el('span', { class: 'sev' }, t(`severity.${alert.severity}`)),
    el('strong', {}, `${term('kind', alert.kind)} – ${placeName(alert.placeId)}`),
    el('span', { class: 'state' }, term('state', state)),
    el('time', { datetime: alert.raisedAt }, clock(alert.raisedAt)),
    alert.guard ? el('span', { class: 'guard' }, alert.acceptedAt ? t('acceptedBy', alert.guard) : `${t('guard')}: ${alert.guard}`) : null,
    alert.escalatedAt ? el('span', { class: 'escalated' }, t('escalated')) : null));
}

/** Whether the operator is in the middle of something: another open alert in front of them, or typing. */
export function busy(except) {
  const current = selectedAlert && selectedAlert !== except ? book.get(selectedAlert) : null;
  if (current && current.state !== 'resolved') return true;
  const active = document.activeElement;
  return Boolean(active && active.closest?.('#app') && ['INPUT', 'TEXTAREA', 'SELECT'].includes(active.tagName));
}

export async function openAlert(id, { focus = true } = {}) {
  selectAlert(id);
  try {
    guardsByArea = new Map((await api('/api/areas')).map((a) => [a.area, a.guards]));
  } catch {
    // Without the list the operator types the guard's name.
  }
  renderAlertDetail();
  if (focus) $('alert-detail').focus();
}

/** After a reconnect: the open alert is read again, not left as it was when the line went. */
export async function reloadAlert() {
  if (!selectedAlert) return;
  try {
    changeAlert(await api(`/api/alerts/${encodeURIComponent(selectedAlert)}`));
  } catch {
    // Not readable any more: the queue's view stays.
  }
  renderAlertDetail();
}

function outcomeSelect() {
  return el('select', { name: 'outcome', required: true, 'aria-label': t('outcome') },
    el('option', { value: '', selected: true }, t('chooseOutcome')),
    ...['confirmed', 'false-alarm', 'no-action-needed'].map((o) => el('option', { value: o }, term('outcome', o))));
}

/** Resolving or snoozing an alert nobody acknowledged needs a tick that says the operator means it. */
function skipAck(alert) {
  return waitingStates.has(alert.state)
    ? el('label', { class: 'skip-ack' }, el('input', { type: 'checkbox', name: 'skipAck', required: true }), ' ', t('resolveWithoutAck'))
    : null;
}

export async function renderAlertDetail() {
  const alert = book.get(selectedAlert);
  const box = $('alert-detail');
  if (!alert) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const isOpen = alert.state !== 'resolved';
  const waiting = waitingStates.has(alert.state);
  const guards = guardsByArea.get(alert.area) ?? [];
  const guard = guards.length
    ? el('select', { name: 'guard', 'aria-label': t('guard') }, ...guards.map((g) => el('option', { value: g, selected: g === alert.guard }, g)))
    : el('input', { name: 'guard', required: true, 'aria-label': t('dispatchTo'), placeholder: t('dispatchTo'), value: alert.guard ?? '' });
  const outcome = outcomeSelect();
  const note = el('input', { name: 'note', required: true, maxlength: 1000, 'aria-label': t('note'), placeholder: t('note') });
  const snoozeMinutes = el('select', { name: 'minutes', 'aria-label': t('minutes') }, ...[15, 30, 60, 120].map((m) => el('option', { value: m }, `${m} min`)));
  const snoozeWhy = el('input', { name: 'why', required: true, maxlength: 500, 'aria-label': t('why'), placeholder: t('why') });
  const off = offAttrs();
  fill(box,
    el('header', {},
      el('h3', { id: 'alert-detail-title' }, `${term('kind', alert.kind)} – ${placeName(alert.placeId)}`),
      el('button', { type: 'button', class: 'close', 'aria-label': t('close'), onclick: () => { selectAlert(null); box.hidden = true; } }, '×')),
    el('p', { class: 'alert-text' }, alertText(alert, placeName(alert.placeId))),
    el('p', { class: 'meta' }, el('span', { class: 'state' }, term('state', shownState(alert))),
      ` · ${t('severity')}: ${t(`severity.${alert.severity}`)} · ${t('raisedAt')} ${dateTime(alert.raisedAt)}`,
      alert.guard ? ` · ${alert.acceptedAt ? t('acceptedBy', alert.guard) : t('dispatchedTo', alert.guard)}` : '', alert.receivedAt ? ` · ${t('received')}` : '',
      alert.outcome ? ` · ${term('outcome', alert.outcome)}: ${alert.note ?? ''}` : ''),
    isOpen ? el('div', { class: 'actions' },
      offlineNote(),
      waiting
        ? el('button', { type: 'button', class: 'primary', onclick: () => act(alert, 'acknowledge'), ...off }, t('acknowledge')) : null,
      ['raised', 'acknowledged', 'cleared-ack-required'].includes(alert.state)
        ? el('form', { class: 'row', onsubmit: (e) => { e.preventDefault(); act(alert, 'dispatch', { guard: guard.value.trim() }); } },
          guard, el('button', { type: 'submit', ...off }, t('dispatch'))) : null,
      waiting ? el('p', { class: 'ack-first' }, t('ackFirst')) : null,
      el('form', { class: 'row', onsubmit: (e) => { e.preventDefault(); act(alert, 'resolve', { outcome: outcome.value, note: note.value }); } },
        outcome, note, skipAck(alert), el('button', { type: 'submit', ...off }, t('resolve'))),
      ['impulse', 'fire', 'report'].includes(alert.kind)
        ? el('form', { class: 'row', onsubmit: (e) => { e.preventDefault(); snooze(alert, Number(snoozeMinutes.value), snoozeWhy.value); } },
          snoozeMinutes, snoozeWhy, skipAck(alert), el('button', { type: 'submit', ...off }, t('snooze'))) : null) : null,
    el('h4', {}, t('audit')),
    el('div', { id: 'audit' }, '…'),
  );
  loadAudit(alert.alertId);
}

async function act(alert, action, body) {
  try {
    changeAlert(await api(`/api/alerts/${encodeURIComponent(alert.alertId)}/${action}`, { method: 'POST', body: body ?? {} }));
    announce(t('done'));
    renderAlertDetail();
  } catch (e) {
    announceError(e);
  }
}

async function snooze(alert, minutes, why) {
  try {
    await api(`/api/places/${encodeURIComponent(alert.placeId)}/snooze`, { method: 'POST', body: { kind: alert.kind, minutes, why } });
    readPlace(await api(`/api/places/${encodeURIComponent(alert.placeId)}`));
    announce(t('done'));
  } catch (e) {
    announceError(e);
  }
}

async function loadAudit(id) {
  try {
    const audit = await api(`/api/alerts/${encodeURIComponent(id)}/audit`);
    if (selectedAlert !== id || !$('audit')) return;
    fill($('audit'),
      el('p', { class: audit.intact ? 'ok' : 'error' }, audit.intact ? t('auditIntact') : t('auditBroken', audit.firstBrokenEntry + 1)),
      el('ol', { class: 'audit' }, ...audit.entries.map((e) => el('li', { dataset: { action: e.action } },
        el('time', { datetime: e.at }, clock(e.at)), ` ${auditText(e)}`,
        e.from !== e.to ? ` — ${term('state', e.from)} → ${term('state', e.to)}` : ''))));
  } catch (e) {
    $('audit')?.replaceChildren(el('p', { class: 'error' }, t('historyOff')));
  }
}
