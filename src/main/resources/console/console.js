// The operator console: reads and acts through the public /api routes only, with the token the operator gives (kept
// in this tab's session storage). Plain JavaScript, no build step.
'use strict';

const KINDS = ['SESSION', 'TEMPLATE', 'DELIVERED', 'READ', 'FAILED', 'HELD'];
const state = { token: sessionStorage.getItem('windowgate.token') || '', timers: [] };

const $ = (id) => document.getElementById(id);

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  Object.entries(attributes || {}).forEach(([k, v]) => {
    if (k === 'class') node.className = v; else node.setAttribute(k, v);
  });
  children.forEach((c) => node.append(c instanceof Node ? c : document.createTextNode(c == null ? '' : String(c))));
  return node;
}

function say(text) {
  $('message').textContent = text;
  $('message').hidden = !text;
}

async function api(method, path, body, contentType) {
  const headers = { Authorization: 'Bearer ' + state.token };
  if (contentType) headers['Content-Type'] = contentType;
  const answer = await fetch(path, { method, headers, body });
  const text = await answer.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
  if (!answer.ok) {
    const why = json && json.error ? json.error : text || answer.statusText;
    throw new Error(method + ' ' + path + ': HTTP ' + answer.status + ' ' + why);
  }
  return json;
}

function guarded(work) {
  return async (...args) => {
    try { await work(...args); } catch (e) { say(e.message); }
  };
}

// ---------------------------------------------------------------------------------------------------- sending
async function refreshSending() {
  const s = await api('GET', '/api/sending');
  $('sending-state').textContent = s.state;
  $('sending-state').className = s.state;
  $('sending-reason').textContent = s.state === 'PAUSED'
    ? '— ' + (s.reason || '') + ' until ' + new Date(s.pausedUntil).toLocaleTimeString() : '';
}

// ------------------------------------------------------------------------------------------------------ files
function progress(f) {
  const total = f.totalRows || f.rowsRead || 0;
  const parts = { sent: f.sent, held: f.held + f.scheduled, rejected: f.rejected + f.duplicates, failed: f.failed };
  const settled = Object.values(parts).reduce((a, b) => a + b, 0);
  const percent = f.status === 'DONE' && f.queued === 0 ? 100 : total ? Math.min(100, Math.floor(100 * settled / total)) : 0;
  const bar = el('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100',
    'aria-valuenow': String(percent), 'data-file': f.name, title: percent + ' %' });
  Object.entries(parts).forEach(([name, n]) => {
    const span = el('span', { class: name });
    span.style.width = (total ? 100 * n / total : 0) + '%';
    bar.append(span);
  });
  return bar;
}

function eta(seconds) {
  if (seconds == null) return '';
  return seconds < 90 ? Math.round(seconds) + ' s' : Math.round(seconds / 60) + ' min';
}

async function refreshFiles() {
  const { files } = await api('GET', '/api/files');
  const rows = files.map((f) => el('tr', { 'data-file': f.name },
    el('td', {}, f.name), el('td', {}, progress(f)), el('td', {}, f.sent), el('td', {}, f.held),
    el('td', {}, f.rejected), el('td', {}, f.failed),
    el('td', {}, f.rowsPerSecond == null ? '' : Math.round(f.rowsPerSecond)), el('td', {}, eta(f.etaSeconds)),
    el('td', { class: 'file-status' }, f.status)));
  $('file-rows').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: '9' }, 'no file yet'))]));
}

async function preview() {
  const file = $('preview-file').files[0];
  if (!file) { say('choose a CSV file to check'); return; }
  const result = await api('POST', '/api/files/preview', await file.arrayBuffer(), 'text/csv');
  const totals = Object.entries(result.totals || {}).map(([k, v]) => k + ': ' + v).join(', ');
  const costs = Object.entries(result.estimatedCost || {})
    .map(([k, v]) => k + ' ' + v.messages + ' (' + v.billable + ' billable)').join(', ');
  // the first rows in full; the totals count them all
  const rows = (result.rows || []).slice(0, 200).map((r) => el('tr', { 'data-line': r.line },
    el('td', {}, r.line), el('td', {}, r.id), el('td', {}, r.outcome), el('td', { class: 'error' }, r.reason || '')));
  $('preview-result').replaceChildren(el('p', { id: 'preview-totals' }, totals + (costs ? ' — estimated: ' + costs : '')),
    el('table', {}, el('tbody', {}, ...rows)));
}

// --------------------------------------------------------------------------------------------------- activity
function drawChart(minutes) {
  const svg = $('chart');
  const ns = 'http://www.w3.org/2000/svg';
  const width = 600 / minutes.length;
  const max = Math.max(1, ...minutes.map((m) => KINDS.reduce((a, k) => a + m[k], 0)));
  const bars = [];
  minutes.forEach((m, i) => {
    let y = 150;
    KINDS.forEach((k) => {
      const h = 140 * m[k] / max;
      if (h > 0) {
        const rect = document.createElementNS(ns, 'rect');
        rect.setAttribute('x', String(i * width));
        rect.setAttribute('y', String(y - h));
        rect.setAttribute('width', String(Math.max(1, width - 1)));
        rect.setAttribute('height', String(h));
        rect.setAttribute('class', k.toLowerCase());
        const tip = document.createElementNS(ns, 'title');
        tip.textContent = new Date(m.minute).toLocaleTimeString() + ' ' + k + ': ' + m[k];
        rect.append(tip);
        bars.push(rect);
        y -= h;
      }
    });
  });
  svg.replaceChildren(...bars);
  $('legend').replaceChildren(...KINDS.flatMap((k) => [el('span', { class: k.toLowerCase() }), k.toLowerCase()]),
    ' — most in a minute: ' + max);
}

async function refreshActivity() {
  drawChart((await api('GET', '/api/activity')).minutes);
}

// ---------------------------------------------------------------------------------------------- notifications
async function refreshNotifications() {
  const status = $('status').value;
  const code = $('error-code').value.trim();
  const query = '?status=' + encodeURIComponent(status) + '&limit=200' + (code ? '&errorCode=' + encodeURIComponent(code) : '');
  const { items } = await api('GET', '/api/notifications' + query);
  state.shown = items.map((n) => n.id);
  $('notification-rows').replaceChildren(...items.map((n) => {
    const error = n.lastError ? [n.lastError.code, n.lastError.title, n.lastError.details].filter(Boolean).join(' — ') : '';
    const action = el('td', {});
    if (n.status === 'FAILED') {
      const button = el('button', { type: 'button', 'data-retry': n.id }, 'Retry');
      button.addEventListener('click', guarded(async () => {
        await api('POST', '/api/notifications/' + encodeURIComponent(n.id) + '/retry');
        await refreshNotifications();
      }));
      action.append(button);
    }
    return el('tr', { 'data-id': n.id }, el('td', {}, n.id), el('td', {}, n.to), el('td', {}, n.from),
      el('td', { class: 'notification-status' }, n.status), el('td', { class: 'error' }, error),
      el('td', {}, new Date(n.updatedAt).toLocaleString()), action);
  }));
}

async function retryAllShown() {
  if (!state.shown || !state.shown.length) return;
  await api('POST', '/api/notifications/retry', JSON.stringify({ ids: state.shown }), 'application/json');
  await refreshNotifications();
}

// -------------------------------------------------------------------------------------------------- start-up
function every(ms, work) {
  const run = guarded(work);
  run();
  state.timers.push(setInterval(run, ms));
}

function start() {
  state.timers.forEach(clearInterval);
  state.timers = [];
  say('');
  $('who').textContent = state.token ? 'token set' : 'no token: enter one to start';
  if (!state.token) return;
  every(2000, refreshSending);
  every(2000, refreshFiles);
  every(10000, refreshActivity);
  every(5000, refreshNotifications);
}

document.addEventListener('DOMContentLoaded', () => {
  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    state.token = $('token').value.trim();
    sessionStorage.setItem('windowgate.token', state.token);
    $('token').value = '';
    start();
  });
  $('filter').addEventListener('submit', (e) => { e.preventDefault(); guarded(refreshNotifications)(); });
  $('retry-all').addEventListener('click', guarded(retryAllShown));
  $('pause').addEventListener('click', guarded(async () => { await api('POST', '/api/sending/pause?duration=PT30M'); await refreshSending(); }));
  $('preview-run').addEventListener('click', guarded(preview));
  $('resume').addEventListener('click', guarded(async () => { await api('POST', '/api/sending/resume'); await refreshSending(); }));
  start();
});
