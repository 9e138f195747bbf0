// While the page is not live the control room's actions are off, and say so, wherever they stand.
import { el, isLive, t } from './common.js';

/** Attributes of an action's button: disabled, with the reason, while the page is not live. */
export function offAttrs() {
  return isLive() ? {} : { disabled: true, title: t('actionsOff'), 'aria-describedby': 'offline-banner' };
}

export function offlineNote() {
  return isLive() ? null : el('p', { class: 'offline-note' }, t('actionsOff'));
}
