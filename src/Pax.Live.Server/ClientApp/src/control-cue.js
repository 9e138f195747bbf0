// The cue: a sound and a flash that repeat until every alarm is acknowledged, and the button that mutes the sound
// for a shift.
import { announce, clock, fill, t, term } from './common.js';
import { placeName, unacknowledged } from './control-state.js';

const $ = (id) => document.getElementById(id);

const cueEvery = 10_000;
const muteFor = 8 * 3600 * 1000; // a shift
let cues = 0;

function mutedUntil() {
  const until = Number(localStorage.getItem('pax.mutedUntil') ?? 0);
  return until > Date.now() ? until : 0;
}

export function renderMute() {
  const button = $('mute');
  const until = mutedUntil();
  button.setAttribute('aria-pressed', String(Boolean(until)));
  button.dataset.muted = String(Boolean(until));
  fill(button, until ? t('soundMuted', clock(new Date(until).toISOString())) : t('soundOn'));
  button.title = until ? t('unmute') : t('mute');
}

/** The button again once the shift's mute has run out by itself. */
export function renderMuteWhenLapsed() {
  if (mutedUntil() === 0 && $('mute').dataset.muted === 'true') renderMute();
}

export function toggleMute() {
  if (mutedUntil()) localStorage.removeItem('pax.mutedUntil');
  else localStorage.setItem('pax.mutedUntil', String(Date.now() + muteFor));
  renderMute();
}

export function cue(alert) {
  announce(t('newAlert', term('kind', alert.kind), placeName(alert.placeId)), 'alert');
  ring();
}

function ring() {
  cues += 1;
  document.body.dataset.cues = String(cues);
  document.body.classList.remove('flash');
  void document.body.offsetWidth;
  document.body.classList.add('flash');
  const loudest = Math.max(0, ...unacknowledged().map((a) => a.severity));
  if (!mutedUntil() && loudest) beep(loudest);
}

setInterval(() => {
  if (unacknowledged().length) ring();
}, cueEvery);

let audio;
function beep(severity) {
  try {
    audio ??= new AudioContext();
    const now = audio.currentTime;
    for (let i = 0; i < severity; i++) {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.2, now + i * 0.25);
      gain.gain.exponentialRampToValueAtTime(0.001, now + i * 0.25 + 0.2);
      tone.connect(gain).connect(audio.destination);
      tone.start(now + i * 0.25);
      tone.stop(now + i * 0.25 + 0.2);
    }
  } catch {
    // No audio device: the visual cue and the announcement remain.
  }
}
