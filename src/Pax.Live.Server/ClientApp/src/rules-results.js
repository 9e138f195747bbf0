// What a replay answered, drawn: the actual and the replayed levels over one time axis, the hours at each level, the
// alerts of each, how often each rule was right over the period, and the fire threshold the outcomes suggest.
import { dateTime, duration, el, errorText, language, number, t, term } from './common.js';

const levelOrder = ['calm', 'elevated', 'alert', 'unknown'];

// A loose rule over a month can raise thousands of alerts: the table shows the first ones and says how many there were.
const maxAlertRows = 200;

function locale() {
  return language() === 'sv' ? 'sv-SE' : 'en-GB';
}

/** A value as typed: as many decimals as it has, up to three. */
export function plain(value) {
  return typeof value === 'number' ? value.toLocaleString(locale(), { maximumFractionDigits: 3 }) : '∞';
}

function when(ms, withDate) {
  return new Date(ms).toLocaleString(locale(), withDate
    ? { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }
    : { hour: '2-digit', minute: '2-digit' });
}

/** The stretches at one level in [from, to), from the level at the start and the changes, oldest first. */
function stretches(startLevel, changes, from, to) {
  const out = [];
  let level = startLevel;
  let cursor = from;
  for (const change of changes) {
    const at = Date.parse(change.at);
    if (at <= from) {
      level = change.to;
      continue;
    }
    if (at >= to) break;
    if (at > cursor) out.push({ level, from: cursor, to: at });
    cursor = at;
    level = change.to;
  }
  if (to > cursor) out.push({ level, from: cursor, to });
  return out;
}

function hoursText(hours) {
  return levelOrder.filter((l) => hours[l] > 0).map((l) => `${term('level', l)} ${t('rules.hoursValue', number(hours[l], 1))}`).join(', ');
}

function lane(run, label, parts, alerts, hours, from, to) {
  const span = to - from;
  const share = (ms) => `${(Math.min(Math.max(ms - from, 0), span) / span) * 100}%`;
  const withDate = span > 20 * 3600_000;
  const bar = el('div', { class: 'bar', role: 'img', 'aria-label': t('rules.barLabel', label, hoursText(hours), alerts.length) });
  for (const part of parts) {
    const segment = el('div', {
      class: `seg level-${part.level}`,
      dataset: { level: part.level },
      title: t('rules.stretch', term('level', part.level), when(part.from, withDate), when(part.to, withDate)),
    });
    segment.style.left = share(part.from);
    segment.style.width = `${((part.to - part.from) / span) * 100}%`;
    bar.append(segment);
  }
  for (const alert of alerts) {
    const at = Date.parse(alert.raisedAt);
    const mark = el('span', { class: 'mark', title: t('rules.alertMark', term('kind', alert.kind ?? alert.cause), when(at, withDate)) });
    mark.style.left = share(at);
    bar.append(mark);
  }
  return el('div', { class: 'lane', dataset: { run } }, el('span', { class: 'lane-label' }, label), bar);
}

function axis(from, to) {
  const withDate = to - from > 20 * 3600_000;
  const ticks = el('div', { class: 'axis', 'aria-hidden': 'true' });
  for (let i = 0; i <= 4; i++) {
    const tick = el('span', {}, when(from + ((to - from) * i) / 4, withDate));
    tick.style.left = `${i * 25}%`;
    ticks.append(tick);
  }
  return el('div', { class: 'lane' }, el('span'), ticks);
}

function legend() {
  return el('ul', { class: 'legend' }, levelOrder.map((l) => el('li', {}, el('span', { class: `swatch ${l}` }), term('level', l))));
}

function timelines(answer) {
  const from = Date.parse(answer.from);
  const to = Date.parse(answer.to);
  const actualStart = answer.actual.levels[0]?.from ?? 'unknown';
  const actualAlerts = answer.actual.alerts.map((a) => ({ ...a, kind: a.cause }));
  return el('section', { class: 'timelines', 'aria-labelledby': 'timelines-title' },
    el('h3', { id: 'timelines-title' }, t('rules.timelines')),
    legend(),
    el('figure', { class: 'timeline' },
      lane('actual', t('rules.actual'), stretches(actualStart, answer.actual.levels, from, to), actualAlerts, answer.actual.hours, from, to),
      lane('replayed', t('rules.replayed'), stretches(answer.replayed.startLevel, answer.replayed.levels, from, to), answer.replayed.alerts,
        answer.replayedHours, from, to),
      axis(from, to)),
    el('p', { id: 'replay-slots', class: 'note', dataset: { slots: String(answer.slots) } },
      answer.slots > 0 ? t('rules.slots', answer.slots.toLocaleString(locale())) : t('rules.noReadings')));
}

function headRow(...cells) {
  return el('thead', {}, el('tr', {}, cells.map(([text, numeric]) => el('th', { scope: 'col', class: numeric ? 'num' : null }, text))));
}

function hoursTable(answer) {
  const row = (run, label, hours) => el('tr', { dataset: { run } },
    el('th', { scope: 'row' }, label),
    levelOrder.map((l) => el('td', { class: 'num', dataset: { level: l } }, t('rules.hoursValue', number(hours[l], 1)))));
  return el('section', { 'aria-labelledby': 'hours-title' },
    el('h3', { id: 'hours-title' }, t('rules.hours')),
    el('table', { id: 'hours', class: 'data' },
      headRow([t('rules.runColumn')], ...levelOrder.map((l) => [term('level', l), true])),
      el('tbody', {}, row('actual', t('rules.actual'), answer.actual.hours), row('replayed', t('rules.replayed'), answer.replayedHours))));
}

function alertTable(id, title, alerts, lastHead, lastCell) {
  const shown = alerts.slice(0, maxAlertRows);
  return el('section', { 'aria-labelledby': `${id}-title` },
    el('h3', { id: `${id}-title` }, title),
    alerts.length === 0
      ? el('p', { id, class: 'empty' }, t('rules.noAlerts'))
      : el('table', { id, class: 'data' },
        headRow([t('rules.time')], [t('rules.kind')], [t('severity')], [lastHead]),
        el('tbody', {}, shown.map((a) => el('tr', {},
          el('td', {}, el('time', { datetime: a.raisedAt }, dateTime(a.raisedAt))),
          el('td', {}, term('kind', a.kind ?? a.cause)),
          el('td', {}, t(`severity.${a.severity}`)),
          el('td', {}, lastCell(a)))))),
    alerts.length > shown.length ? el('p', { class: 'note' }, t('rules.moreAlerts', shown.length, alerts.length)) : null);
}

function alertTables(answer) {
  return el('div', { class: 'columns' },
    alertTable('alerts-actual', t('rules.alertsActual'), answer.actual.alerts, t('outcome'),
      (a) => term('outcome', a.resolvedAt ? a.outcome : 'open')),
    alertTable('alerts-replayed', t('rules.alertsReplayed'), answer.replayed.alerts, t('rules.causeCleared'),
      (a) => (a.causeClearedAt ? dateTime(a.causeClearedAt) : t('rules.stillOn'))));
}

function share(value) {
  return value === null || value === undefined ? '–' : `${number(value * 100, 0)} %`;
}

function precisionSection(result, placeId, placeName) {
  const body = [];
  if (result.status === 'rejected') {
    body.push(el('p', { class: 'error' }, errorText(result.reason)));
  } else {
    // The place's own rules first, then the others, each in the server's order: the most false alarms first.
    const rows = result.value.rules;
    const ordered = [...rows.filter((r) => r.placeId === placeId), ...rows.filter((r) => r.placeId !== placeId)];
    body.push(ordered.length === 0
      ? el('p', { class: 'empty' }, t('rules.noPrecision'))
      : el('table', { id: 'precision', class: 'data' },
        headRow([t('place')], [t('cause')], [t('rules.col.raised'), true], [t('rules.col.confirmed'), true], [t('rules.col.falseAlarms'), true],
          [t('rules.col.noAction'), true], [t('rules.col.open'), true], [t('rules.col.precision'), true], [t('rules.col.toAck'), true]),
        el('tbody', {}, ordered.map((r) => {
          const c = r.counts;
          const ack = c.medianSecondsToAcknowledged;
          return el('tr', { class: r.placeId === placeId ? 'this-place' : null, dataset: { place: r.placeId, cause: r.cause } },
            el('td', {}, placeName(r.placeId)),
            el('td', {}, term('kind', r.cause)),
            el('td', { class: 'num' }, c.raised),
            el('td', { class: 'num' }, c.confirmed),
            el('td', { class: 'num', dataset: { count: 'falseAlarms' } }, c.falseAlarms),
            el('td', { class: 'num' }, c.noActionNeeded),
            el('td', { class: 'num' }, c.open),
            el('td', { class: 'num' }, share(c.precision)),
            el('td', { class: 'num' }, ack === null || ack === undefined ? '–' : duration(Math.round(ack))));
        }))));
    body.push(el('p', { class: 'note' }, t('rules.precisionNote')));
  }
  return el('section', { 'aria-labelledby': 'precision-title' }, el('h3', { id: 'precision-title' }, t('rules.precision')), body);
}

function suggestionSection(result) {
  const body = [];
  if (result.status === 'rejected') {
    // No sweep on this server, or no history to sweep: nothing to suggest rather than an error to act on.
    const status = result.reason?.status;
    body.push(status === 404 || status === 501
      ? el('p', { class: 'empty' }, t('rules.sug.off'))
      : el('p', { class: 'error' }, errorText(result.reason)));
  } else {
    const sweep = result.value.sweep;
    const row = (label, option) => el('tr', {},
      el('th', { scope: 'row' }, label),
      el('td', { class: 'num' }, plain(option.threshold)),
      el('td', { class: 'num' }, option.raised),
      el('td', { class: 'num' }, t('rules.sug.of', option.confirmedKept, sweep.confirmed)),
      el('td', { class: 'num' }, t('rules.sug.of', option.falseAlarmsKept, sweep.falseAlarms)));
    body.push(el('table', { id: 'suggestion', class: 'data' },
      headRow([t('rules.sug.option')], [t('rules.sug.threshold'), true], [t('rules.col.raised'), true], [t('rules.sug.confirmedKept'), true], [t('rules.sug.falseAlarmsKept'), true]),
      el('tbody', {}, row(t('rules.sug.current'), sweep.current), sweep.suggested ? row(t('rules.sug.suggested'), sweep.suggested) : null)));
    body.push(sweep.suggested
      ? el('p', {}, t('rules.sug.summary', plain(sweep.suggested.threshold), sweep.suggested.confirmedKept, sweep.confirmed,
        Math.max(0, sweep.current.falseAlarmsKept - sweep.suggested.falseAlarmsKept)))
      : el('p', { class: 'empty' }, t('rules.sug.none')));
  }
  body.push(el('p', { class: 'note' }, t('rules.sug.note')));
  return el('section', { 'aria-labelledby': 'suggestion-title' }, el('h3', { id: 'suggestion-title' }, t('rules.suggestion')), body);
}

function rulesUsed(rules) {
  const value = (v) => (v === null || v === undefined ? t('rules.none') : plain(v));
  const parts = [
    `${term('kind', 'people')} ${value(rules.people)}`,
    `${term('kind', 'motion')} ${value(rules.motion)}`,
    `${term('kind', 'loiter')} ${value(rules.loiter)}`,
    `${term('kind', 'sound')} ${value(rules.sound)}`,
    `${t('field.rules.dwellSeconds')} ${duration(rules.dwellSeconds)}`,
    `${t('field.rules.clearRatio')} ${value(rules.clearRatio)}`,
    `${t('field.rules.anomalyScore')} ${value(rules.anomalyScore)}`,
  ];
  return t('rules.used', parts.join(', '));
}

/** The children of the results section for one run: { answer, precision, suggestion } (the last two as settled promises). */
export function results({ answer, precision, suggestion }, placeName) {
  return [
    el('h2', { id: 'results-title' }, t('rules.results', placeName(answer.placeId))),
    el('p', { class: 'meta' }, `${dateTime(answer.from)} – ${dateTime(answer.to)}. ${rulesUsed(answer.rules)}`),
    timelines(answer),
    hoursTable(answer),
    alertTables(answer),
    precisionSection(precision, answer.placeId, placeName),
    suggestionSection(suggestion),
  ];
}
