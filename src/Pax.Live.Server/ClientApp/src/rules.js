// "Pröva regler" (issue 21, what would these rules have raised?): a place's thresholds tried on a past period with the
// same place model the live system runs, beside what actually happened; with how often each rule was right and the
// fire threshold the outcomes suggest. For the control room: operators and admins.
import './rules.css';
import {
  ApiError, announce, api, clearErrors, dateTime, errorText, fill, logout, onLanguage, serverNow, signIn, t, translate,
  wireLanguagePicker,
} from './common.js';
import { results } from './rules-results.js';

const $ = (id) => document.getElementById(id);
const thresholdFields = ['people', 'motion', 'loiter', 'sound'];
const ruleFields = [...thresholdFields, 'dwellSeconds', 'clearRatio', 'anomalyScore'];
const places = new Map();
const hour = 3600_000;

// What is on screen, kept so that a change of language draws it again in the other one.
let fieldErrors = new Map(); // input id → the key of its words
let shown = null;
let said = null;
let running = false;

/** Announces words made in the chosen language, and makes them again when it changes. */
function say(words, kind = 'info') {
  said = { words, kind };
  announce(words(), kind);
}

function placeName(id) {
  return places.get(id)?.name ?? id;
}

/** A time as a datetime-local input holds it: local, to the minute. */
function localValue(ms) {
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function setDefaultPeriod() {
  // Up to the next whole minute, so that what happened in the last seconds is in the period.
  const to = Math.ceil(serverNow() / 60_000) * 60_000;
  $('to').value = localValue(to);
  $('from').value = localValue(to - 24 * hour);
}

/** The place's own thresholds; the two sensitivities are the server's (empty). */
function fillRules(place) {
  const thresholds = place?.thresholds ?? {};
  for (const name of thresholdFields) $(`rule-${name}`).value = thresholds[name] ?? '';
  $('rule-dwellSeconds').value = thresholds.dwellSeconds ?? 30;
  $('rule-clearRatio').value = '';
  $('rule-anomalyScore').value = '';
}

/** The input a field of the server's validation problem names: "from", "rules.people" … */
function inputId(field) {
  return field.startsWith('rules.') ? `rule-${field.slice(6)}` : field;
}

function renderFieldErrors() {
  for (const input of document.querySelectorAll('#rules-form input')) {
    const key = fieldErrors.get(input.id);
    const message = $(`${input.id}-error`);
    if (key) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
    if (message) message.textContent = key ? t(key) : '';
  }
}

function showFieldErrors(errors) {
  fieldErrors = errors;
  renderFieldErrors();
  const first = [...errors.keys()][0];
  if (first) $(first)?.focus();
}

function readNumber(id, errors, { integer = false } = {}) {
  const input = $(id);
  const text = input.value.trim();
  if (input.validity.badInput) {
    errors.set(id, integer ? 'rules.notInteger' : 'rules.notNumber');
    return null;
  }
  if (text === '') {
    if (integer) errors.set(id, 'rules.notInteger');
    return null;
  }
  const value = Number(text);
  if (integer && !Number.isInteger(value)) errors.set(id, 'rules.notInteger');
  return value;
}

function readTime(id, errors) {
  const ms = Date.parse($(id).value);
  if (Number.isNaN(ms)) {
    errors.set(id, 'rules.notTime');
    return null;
  }
  return new Date(ms).toISOString();
}

/**
 * The request, or the fields that are not numbers or times at all. Whether a number is in range is the server's to
 * say (its validation problem names the fields): one place decides what a rule may be.
 */
function readForm() {
  const errors = new Map();
  const from = readTime('from', errors);
  const to = readTime('to', errors);
  const rules = {};
  for (const name of ruleFields) rules[name] = readNumber(`rule-${name}`, errors, { integer: name === 'dwellSeconds' });
  return { errors, body: { from, to, rules } };
}

function setRunning(value) {
  running = value;
  const button = $('run');
  button.disabled = value;
  button.textContent = t(value ? 'rules.running' : 'rules.run');
  $('results').setAttribute('aria-busy', String(value));
}

function draw() {
  const section = $('results');
  if (!shown) {
    section.hidden = true;
    return;
  }
  fill(section, results(shown, placeName));
  section.hidden = false;
}

async function run(event) {
  event.preventDefault();
  if (running) return;
  clearErrors();
  said = null;
  const placeId = $('place').value;
  const { errors, body } = readForm();
  if (errors.size > 0) {
    showFieldErrors(errors);
    say(() => t('error.invalidFields', [...errors.keys()].map((id) => $(id)?.labels?.[0]?.textContent ?? id).join(', ')), 'error');
    return;
  }
  showFieldErrors(new Map());
  setRunning(true);
  try {
    const id = encodeURIComponent(placeId);
    const answer = await api(`/api/places/${id}/replay`, { method: 'POST', body });
    const query = `from=${encodeURIComponent(answer.from)}&to=${encodeURIComponent(answer.to)}`;
    const [precision, suggestion] = await Promise.allSettled([
      api(`/api/rules/precision?${query}`),
      api(`/api/places/${id}/suggestion?kind=fire&${query}`),
    ]);
    shown = { answer, precision, suggestion };
    draw();
    say(() => t('rules.done', placeName(answer.placeId), dateTime(answer.from), dateTime(answer.to)));
  } catch (e) {
    if (e instanceof ApiError && (e.status === 400 || e.status === 422)) {
      showFieldErrors(new Map(e.fields.filter((f) => $(inputId(f))).map((f) => [inputId(f), errorKey(f)])));
    }
    say(() => errorText(e), 'error');
  } finally {
    setRunning(false);
  }
}

/** The words for a field the server refused; a general refusal for a field this page has no words for. */
function errorKey(field) {
  const key = `rules.error.${field.startsWith('rules.') ? field.slice(6) : field}`;
  return t(key) === key ? 'rules.fieldRefused' : key;
}

async function loadPlaces() {
  try {
    const list = await api('/api/places');
    for (const place of list) places.set(place.id, place);
  } catch (e) {
    say(() => errorText(e), 'error');
  }
  const select = $('place');
  fill(select, [...places.values()].map((p) => {
    const option = document.createElement('option');
    option.value = p.id;
    option.textContent = p.area ? `${p.name} (${p.area})` : p.name;
    return option;
  }));
  const asked = new URLSearchParams(location.search).get('place');
  if (asked && places.has(asked)) select.value = asked;
  fillRules(places.get(select.value));
}

translate(document);
wireLanguagePicker($('language'));
$('logout').addEventListener('click', logout);
$('rules-form').addEventListener('submit', run);
$('place').addEventListener('change', () => {
  fillRules(places.get($('place').value));
  showFieldErrors(new Map());
});
$('own').addEventListener('click', () => {
  fillRules(places.get($('place').value));
  showFieldErrors(new Map());
});

const me = await signIn($('login'), ['operator', 'admin']);
$('app').hidden = false;
$('logout').hidden = false;
$('user').textContent = t('user', me.user.name);
setDefaultPeriod();
await loadPlaces();

onLanguage(() => {
  $('user').textContent = t('user', me.user.name);
  setRunning(running);
  renderFieldErrors();
  draw();
  if (said) announce(said.words(), said.kind);
});
