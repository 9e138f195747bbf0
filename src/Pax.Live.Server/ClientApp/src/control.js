// The control room: every place on a map and in a list, the alert queue, and a place's detail. This entry signs in,
// sets the panels up and feeds the state from the live connection; the panels draw themselves from the state.
import 'leaflet/dist/leaflet.css';
import 'uplot/dist/uPlot.min.css';
import './control.css';
import {
  Live, age, announce, announceError, api, clearErrors, language, logout, onLanguage, showConnection, signIn, t,
  term, translate, uiConfig, wireLanguagePicker,
} from './common.js';
import { showSitePlans } from './siteplans.js';
import { loadPlaces, refreshRows, renderPlaces, restyleStaleMarkers, setUpBoard } from './control-board.js';
import { cue, renderMute, renderMuteWhenLapsed, toggleMute } from './control-cue.js';
import { refreshDetail, reloadDetail, renderDetailFacts, setUpDetail } from './control-detail.js';
import { busy, openAlert, reloadAlert, renderAlertDetail, setUpQueue } from './control-queue.js';
import {
  alertsChanged, applyStatus, book, config, placeName, places, selectedAlert, selectedPlace, setConfig, shownState,
} from './control-state.js';

const $ = (id) => document.getElementById(id);

async function openReport() {
  // Opened at once, filled when the report is in: a window opened after an await is a popup browsers block.
  const target = window.open('', '_blank');
  try {
    const html = await api(`/api/reports/lagesbild?format=html&lang=${language()}`, { accept: 'text/html' });
    const url = URL.createObjectURL(new Blob([html], { type: 'text/html;charset=utf-8' }));
    if (target) target.location.href = url;
    else location.href = url;
  } catch (e) {
    target?.close();
    announceError(e);
  }
}

/** After a reconnect: the open place and the open alert are read again, not left as they were when the line went. */
async function refreshOpenPanels() {
  clearErrors();
  renderPlaces();
  await reloadDetail();
  await reloadAlert();
}

translate(document);
wireLanguagePicker($('language'));
$('logout').addEventListener('click', logout);
$('mute').addEventListener('click', toggleMute);
$('report').addEventListener('click', openReport);

const me = await signIn($('login'), ['operator', 'admin']);
setConfig(await uiConfig());
$('app').hidden = false;
$('logout').hidden = false;
$('mute').hidden = false;
$('report').hidden = false;
$('rules-link').hidden = false;
$('user').textContent = t('user', me.user.name);
renderMute();
const map = setUpBoard();
setUpDetail(map);
setUpQueue();
showSitePlans(map, config);
await loadPlaces();

let wasLive = false;
const live = new Live({
  book,
  watch: [],
  onState: (state) => {
    showConnection($('connection'), state);
    const now = state === 'connected';
    if (now && !wasLive) refreshOpenPanels();
    if (now !== wasLive) {
      renderPlaces();
      if (selectedAlert) renderAlertDetail();
      if (selectedPlace) renderDetailFacts();
    }
    wasLive = now;
  },
  onStatuses: (statuses) => statuses.forEach(applyStatus),
  onStatus: applyStatus,
  onAlertRaised: (alert) => {
    cue(alert);
    alertsChanged();
    refreshDetail(alert.placeId);
    if (alert.severity >= 3 && !busy(alert.alertId)) openAlert(alert.alertId, { focus: false });
  },
  onAlertChanged: (view, previous) => {
    if (!previous || previous.state !== view.state || Boolean(previous.acceptedAt) !== Boolean(view.acceptedAt)) {
      announce(t('alertChanged', placeName(view.placeId), term('state', shownState(view))));
    }
    alertsChanged();
    if (selectedAlert === view.alertId) renderAlertDetail();
    refreshDetail(view.placeId);
  },
  onAlertsReset: () => {
    alertsChanged();
    if (selectedAlert) renderAlertDetail();
  },
});
showConnection($('connection'), 'connecting');
await live.start();
alertsChanged();

onLanguage(() => {
  $('user').textContent = t('user', me.user.name);
  showConnection($('connection'), live.state);
  renderMute();
});

// Ages move on by themselves: a place that stops talking must start to look stale without any event. Only the rows in
// view and the markers whose staleness changed are touched.
setInterval(() => {
  refreshRows();
  restyleStaleMarkers();
  for (const node of document.querySelectorAll('[data-age]')) node.textContent = age(node.dataset.age);
  for (const node of document.querySelectorAll('[data-age-place]')) node.textContent = age(places.get(node.dataset.agePlace)?.updatedAt);
  renderMuteWhenLapsed();
}, 5000);
