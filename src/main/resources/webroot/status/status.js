'use strict';
// The proxy's status page: draws the snapshots /events streams (docs/admin.md, "Status page"). Snapshots carry
// totals; rates come from two snapshots at least half a second apart (a state change sends one out of turn).

const HISTORY_MILLIS = 5 * 60 * 1000;
const MIN_CHART_MILLIS = 20 * 1000;   // a new page's chart spans what it has seen, this at least
const MIN_RATE_INTERVAL_MILLIS = 500;
const TOKEN_KEY = 'tcpbalancer.adminToken';

let baseline = null;          // the snapshot the current rates were measured from
const rates = new Map();      // address -> {conns, to, from} per second
const history = [];           // {at, conns, to, from}: the whole proxy, per second
let pendingAction = null;     // what to do again once a token is given

const $ = id => document.getElementById(id);

function connect() {
  const events = new EventSource('/events');
  events.onopen = () => setLive(true);
  events.onerror = () => setLive(false); // EventSource reconnects by itself
  events.onmessage = event => render(JSON.parse(event.data));
}

function setLive(on) {
  $('live').className = 'live ' + (on ? 'on' : 'off');
  $('live').textContent = on ? 'live' : 'reconnecting…';
}

function render(snapshot) {
  measure(snapshot);
  document.title = snapshot.proxy + ' – tcpbalancer status';
  $('proxy').textContent = snapshot.proxy + (snapshot.listening ? '' : ' (not listening)');
  $('inbound').textContent = snapshot.inbound.active + ' / ' + snapshot.inbound.maxConns;
  $('queued').textContent = snapshot.inbound.queued;
  $('upCount').textContent = snapshot.upstreams.filter(u => u.up).length + ' / ' + snapshot.upstreams.length;
  const last = history[history.length - 1];
  $('connRate').textContent = last ? number(last.conns) : '–';
  $('byteRate').textContent = last ? bytes(last.to + last.from) + '/s' : '–';
  // Request balancing relays no connection to an upstream: its column shows the requests in flight instead.
  const requests = snapshot.balance === 'requests';
  $('activeHeader').textContent = requests ? 'In flight' : 'Active';
  renderRows(snapshot.upstreams, requests);
  drawChart($('connChart'), [{values: history.map(h => h.conns), colour: '#2f6feb'}], number);
  drawChart($('byteChart'), [{values: history.map(h => h.to), colour: '#2f6feb'},
    {values: history.map(h => h.from), colour: '#8250df'}], v => bytes(v));
}

function measure(snapshot) {
  if (baseline && snapshot.at - baseline.at < MIN_RATE_INTERVAL_MILLIS) {
    return;
  }
  if (baseline) {
    const seconds = (snapshot.at - baseline.at) / 1000;
    const before = new Map(baseline.upstreams.map(u => [u.address, u]));
    const sum = {at: snapshot.at, conns: 0, to: 0, from: 0};
    rates.clear();
    for (const u of snapshot.upstreams) {
      const b = before.get(u.address) || u;
      const r = {conns: Math.max(0, u.total - b.total) / seconds,
        to: Math.max(0, u.bytesToUpstream - b.bytesToUpstream) / seconds,
        from: Math.max(0, u.bytesFromUpstream - b.bytesFromUpstream) / seconds};
      rates.set(u.address, r);
      sum.conns += r.conns; sum.to += r.to; sum.from += r.from;
    }
    history.push(sum);
    while (history.length && history[0].at < snapshot.at - HISTORY_MILLIS) {
      history.shift();
    }
  }
  baseline = snapshot;
}

function renderRows(upstreams, requests) {
  const body = document.querySelector('#upstreams tbody');
  const rows = new Map([...body.rows].map(row => [row.dataset.address, row]));
  upstreams.forEach((u, index) => {
    let row = rows.get(u.address);
    if (!row) {
      row = newRow(u.address);
    }
    rows.delete(u.address);
    if (body.rows[index] !== row) {
      body.insertBefore(row, body.rows[index] || null);
    }
    fillRow(row, u, rates.get(u.address), requests);
  });
  rows.forEach(row => row.remove()); // upstreams no longer in the list
}

function newRow(address) {
  const row = document.createElement('tr');
  row.dataset.address = address;
  row.innerHTML = '<td class="address"></td><td class="state"></td><td class="health"></td>'
    + '<td class="num weight"></td><td class="num active"></td><td class="num conns"></td>'
    + '<td class="num to"></td><td class="num from"></td><td class="num total"></td>'
    + '<td class="num failures"></td><td class="change"></td>'
    + '<td class="actions"><button class="to-drain">Drain</button><button class="to-ready">Ready</button></td>';
  row.querySelector('.address').textContent = address;
  row.querySelector('.to-drain').onclick = () => setState(address, 'drain');
  row.querySelector('.to-ready').onclick = () => setState(address, 'ready');
  return row;
}

function fillRow(row, u, r, requests) {
  const health = u.up === true ? 'up' : u.up === false ? 'down' : 'unknown';
  const cell = name => row.querySelector('.' + name);
  row.className = health;
  cell('state').innerHTML = u.state ? `<span class="badge ${u.state}">${u.state}</span>` : '–';
  cell('health').innerHTML = `<span class="badge ${health}">${health}</span>`;
  // During a slow start the balancing uses a share of the weight: show it as "0.4 of 4".
  const ramping = u.effectiveWeight !== undefined && u.effectiveWeight < u.weight;
  cell('weight').textContent = ramping ? u.effectiveWeight.toFixed(1) + ' of ' + u.weight : u.weight;
  cell('active').textContent = requests ? u.requestsInFlight
    : u.maxConns > 0 ? u.active + ' / ' + u.maxConns : u.active;
  cell('conns').textContent = r ? number(r.conns) : '–';
  cell('to').textContent = r ? bytes(r.to) : '–';
  cell('from').textContent = r ? bytes(r.from) : '–';
  cell('total').textContent = u.total;
  cell('failures').textContent = u.connectFailures;
  const change = u.lastStateChange;
  cell('change').textContent = change ? (change.up ? 'up ' : 'down ') + ago(change.at) + ': ' + change.reason : 'none';
  cell('change').title = change ? change.at + ' ' + change.reason : '';
  cell('to-drain').disabled = u.state === 'drain';
  cell('to-ready').disabled = !u.state || u.state === 'ready';
}

async function setState(address, state) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const headers = {'Content-Type': 'application/json'};
  if (token) {
    headers.Authorization = 'Bearer ' + token;
  }
  const path = '/api/upstreams/' + encodeURIComponent(address).replace(/%3A/gi, ':') + '/state';
  try {
    const response = await fetch(path, {method: 'POST', headers, body: JSON.stringify({state})});
    if (response.status === 401) {
      pendingAction = () => setState(address, state);
      $('tokenForm').hidden = false;
      $('token').focus();
      show(token ? 'The API refused that token: give the admin token.' : 'The API needs the admin token.', true);
      return;
    }
    const answer = await response.json().catch(() => ({}));
    show(response.ok ? `${address} set to ${state}.`
      : `${address}: the API answered ${response.status}: ${answer.error || response.statusText}`, !response.ok);
  } catch (e) {
    show(`${address}: the API could not be reached (${e.message})`, true);
  }
}

function show(text, error) {
  const message = $('message');
  message.hidden = false;
  message.className = 'message' + (error ? ' error' : '');
  message.textContent = text;
}

$('tokenForm').onsubmit = event => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $('token').value);
  $('tokenForm').hidden = true;
  if (pendingAction) {
    pendingAction();
    pendingAction = null;
  }
};

// A line chart of the history, newest at the right; the scale fits the highest value shown.
function drawChart(canvas, series, format) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth, height = canvas.clientHeight;
  canvas.width = width * ratio;
  canvas.height = height * ratio;
  const g = canvas.getContext('2d');
  g.scale(ratio, ratio);
  const left = 64, top = 8, plotW = width - left - 8, plotH = height - top - 20;
  const max = niceMax(1.1 * Math.max(0, ...series.flatMap(s => s.values))); // headroom above the top line
  g.font = '11px system-ui, sans-serif';
  g.fillStyle = '#5d6b7e';
  g.strokeStyle = '#e6eaf0';
  g.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const y = top + plotH - plotH * i / 4 + 0.5;
    g.beginPath(); g.moveTo(left, y); g.lineTo(left + plotW, y); g.stroke();
    g.textAlign = 'right';
    g.fillText(format(max * i / 4), left - 8, y + 4);
  }
  const newest = history.length ? history[history.length - 1].at : 0;
  const span = Math.min(HISTORY_MILLIS, Math.max(MIN_CHART_MILLIS, newest - (history.length ? history[0].at : 0)));
  g.textAlign = 'left'; g.fillText(duration(span) + ' ago', left, height - 4);
  g.textAlign = 'right'; g.fillText('now', left + plotW, height - 4);
  for (const s of series) {
    g.strokeStyle = s.colour; g.lineWidth = 2; g.lineJoin = 'round';
    g.beginPath();
    s.values.forEach((v, i) => {
      const x = left + plotW * (1 - (newest - history[i].at) / span), y = top + plotH - plotH * v / max;
      i ? g.lineTo(x, y) : g.moveTo(x, y);
    });
    g.stroke();
  }
}

function niceMax(value) {
  if (value <= 0) {
    return 1;
  }
  const step = Math.pow(10, Math.floor(Math.log10(value)));
  return [1, 1.2, 1.6, 2, 4, 6, 8, 10].map(m => m * step).find(m => m >= value); // quarters stay round
}

function number(v) {
  return String(Number(v.toFixed(v >= 100 ? 0 : v >= 1 ? 1 : 2)));
}

function bytes(v) {
  const units = ['B', 'kB', 'MB', 'GB'];
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000; i++;
  }
  return number(v) + ' ' + units[i];
}

function ago(at) {
  return duration(Math.max(0, Date.now() - Date.parse(at))) + ' ago';
}

function duration(millis) {
  const seconds = Math.round(millis / 1000);
  return seconds < 90 ? seconds + ' s' : seconds < 5400 ? Math.round(seconds / 60) + ' min'
    : Math.round(seconds / 3600) + ' h';
}

connect();
