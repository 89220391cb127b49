// The Barge dashboard: plain JavaScript over Barge's own API (the same keys), nothing loaded from elsewhere.
'use strict';

const state = { key: localStorage.getItem('barge-key') || '', timer: null, samples: {} };
const view = document.getElementById('view');
const errorBox = document.getElementById('error');

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (state.key) headers.Authorization = 'Bearer ' + state.key;
  const response = await fetch('/v1' + path, Object.assign({}, options, { headers }));
  if (response.status === 401) {
    document.getElementById('key-form').hidden = false;
    throw new Error('This server needs an API key.');
  }
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    const error = new Error((body.error && body.error.message) || ('HTTP ' + response.status));
    error.status = response.status;
    throw error;
  }
  return response;
}

const json = async path => (await api(path)).json();

/** Replaces the view only when it changed: a redraw under the pointer would swallow a click. */
function show(html) {
  if (view.dataset.html !== html) {
    view.innerHTML = html;
    view.dataset.html = html;
  }
}
const esc = s => String(s == null ? '' : s).replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const time = seconds => seconds ? new Date(seconds * 1000).toLocaleString() : '';
const money = v => v == null ? '' : '$' + Number(v).toFixed(4);

function rate(batch) {
  // Requests finished per second, from what this page has seen of the batch.
  const done = batch.request_counts.completed + batch.request_counts.failed;
  const now = Date.now() / 1000;
  const seen = state.samples[batch.id] || (state.samples[batch.id] = []);
  seen.push([now, done]);
  while (seen.length > 30) seen.shift();
  const [t0, d0] = seen[0];
  return now - t0 > 0.5 ? (done - d0) / (now - t0) : 0;
}

function progress(batch) {
  const c = batch.request_counts;
  const share = c.total ? (c.completed + c.failed) / c.total : 0;
  return `<span class="bar"><span style="width:${(share * 100).toFixed(1)}%"></span></span> ${c.completed + c.failed}/${c.total}`;
}

async function listView() {
  const page = await json('/batches?limit=100');
  const rows = page.data.map(b => {
    const r = rate(b);
    const eta = b.barge && b.barge.estimated_completion_at ? time(b.barge.estimated_completion_at) : '';
    return `<tr class="row" data-id="${esc(b.id)}">
      <td>${esc(b.id)}</td><td class="status-${esc(b.status)}">${esc(b.status)}</td>
      <td class="progress">${progress(b)}</td>
      <td>${b.request_counts.completed}</td><td>${b.request_counts.failed}</td>
      <td>${r ? r.toFixed(1) + '/s' : ''}</td><td>${esc(eta)}</td>
      <td>${money(b.barge && b.barge.cost)}</td><td>${money(b.barge && b.barge.saved)}</td>
      <td>${esc(b.endpoint)}</td><td>${time(b.created_at)}</td></tr>`;
  }).join('');
  show(page.data.length ? `<table id="batches"><thead><tr><th>Batch</th><th>Status</th><th>Progress</th>
      <th>Succeeded</th><th>Failed</th><th>Rate</th><th>ETA</th><th>Cost</th><th>Saved</th><th>Endpoint</th><th>Created</th>
      </tr></thead><tbody>${rows}</tbody></table>` : '<p class="muted">No batches yet.</p>');
  view.querySelectorAll('tr.row').forEach(tr => tr.onclick = () => { location.hash = '#/batch/' + tr.dataset.id; });
}

const STEPS = ['created', 'in_progress', 'finalizing', 'completed', 'failed', 'expired', 'cancelling', 'cancelled'];

async function batchView(id) {
  const b = await json('/batches/' + encodeURIComponent(id));
  const r = rate(b);
  const timeline = STEPS.filter(s => s === 'created' || b[s + '_at'] || ['in_progress', 'finalizing', 'completed'].includes(s))
    .map(s => `<li class="${b[s + '_at'] ? 'done' : ''}">${s.replace('_', ' ')}<br><small>${time(b[s + '_at'])}</small></li>`).join('');
  const ended = ['completed', 'failed', 'expired', 'cancelled'].includes(b.status);
  show(`<h2>${esc(b.id)} <span id="status" class="status-${esc(b.status)}">${esc(b.status)}</span></h2>
    <ol class="timeline">${timeline}</ol>
    <div class="grid">
      <div class="card"><h3>Progress</h3><div class="big" id="progress"></div></div>
      <div class="card"><h3>Rate</h3><div class="big" id="rate"></div></div>
      <div class="card"><h3>Cost / saved</h3><div class="big" id="cost"></div></div>
      <div class="card"><h3>Estimated end</h3><div class="big" id="eta"></div></div>
    </div>
    <h3>Throughput</h3><canvas id="chart" width="640" height="140"></canvas>
    <h3>Errors by code</h3><div id="errors" class="muted">…</div>
    <h3>Bought by tier</h3><div id="tiers" class="muted"></div>
    <h3>Provider jobs</h3><div id="jobs" class="muted"></div>
    <p>${b.output_file_id ? `<button data-file="${esc(b.output_file_id)}" id="download-output">Download output</button>` : ''}
       ${b.error_file_id ? `<button data-file="${esc(b.error_file_id)}" id="download-errors">Download errors</button>` : ''}
       ${ended ? '' : '<button class="danger" id="cancel">Cancel batch</button>'}</p>`);
  // The numbers change every second; the page around them (and its buttons) only when the batch does.
  document.getElementById('progress').innerHTML = progress(b);
  document.getElementById('rate').textContent = r ? r.toFixed(1) + '/s' : '–';
  document.getElementById('cost').textContent = money(b.barge.cost) + ' / ' + money(b.barge.saved);
  document.getElementById('eta').textContent = time(b.barge.estimated_completion_at) || '–';
  setHtml('tiers', tiersTable(b.barge.tiers || {}));
  setHtml('jobs', jobsTable(b.barge.upstream_jobs || []));
  drawChart(state.samples[b.id] || []);
  view.querySelectorAll('button[data-file]').forEach(button => button.onclick = () => download(button.dataset.file));
  const cancel = document.getElementById('cancel');
  if (cancel) cancel.onclick = async () => {
    if (!confirm('Cancel batch ' + id + '? Calls in flight finish; the rest ends unsent.')) return;
    await api('/batches/' + encodeURIComponent(id) + '/cancel', { method: 'POST' });
    render();
  };
  errorsByCode(id, b.barge.archived_at);
}

function setHtml(id, html) {
  const box = document.getElementById(id);
  if (box && box.innerHTML !== html) box.innerHTML = html;
}

// What the batch's results were bought at: inside provider jobs, or real-time.
function tiersTable(tiers) {
  const rows = Object.entries(tiers);
  return rows.length ? '<table><tr><th>Tier</th><th>Requests</th><th>Cost</th></tr>' + rows.map(([tier, t]) =>
    `<tr><td>${esc(tier)}</td><td>${t.requests}</td><td>${money(t.cost)}</td></tr>`).join('') + '</table>'
    : 'No results yet.';
}

// The provider's own batch jobs that held the batch's lines.
function jobsTable(jobs) {
  return jobs.length ? '<table><tr><th>Backend</th><th>Job</th><th>Status</th><th>Lines of this batch</th><th>Done / failed / total</th></tr>'
    + jobs.map(j => `<tr><td>${esc(j.backend)}</td><td>${esc(j.id || '(being created)')}</td><td>${esc(j.status || '')}</td>`
      + `<td>${j.requests}</td><td>${j.request_counts.completed} / ${j.request_counts.failed} / ${j.request_counts.total}</td></tr>`).join('')
    + '</table>' : 'None: its lines ran real-time.';
}

async function errorsByCode(id, archivedAt) {
  const box = document.getElementById('errors');
  if (box && archivedAt) {
    box.textContent = 'Archived: per-request results are no longer kept (batch.results_retention).';
    return;
  }
  const page = await json('/batches/' + encodeURIComponent(id) + '/errors');
  if (!box) return;
  const html = page.data.length ? '<table><tr><th>Code</th><th>Lines</th><th>Example</th></tr>' + page.data.map(g =>
    `<tr><td>${esc(g.code)}</td><td>${g.count}</td><td class="muted">${esc(g.example)}</td></tr>`).join('') + '</table>'
    : 'None so far.';
  if (box.innerHTML !== html) box.innerHTML = html;
}

function drawChart(samples) {
  const canvas = document.getElementById('chart');
  if (!canvas || samples.length < 2) return;
  const g = canvas.getContext('2d');
  const rates = samples.slice(1).map(([t, d], i) => (d - samples[i][1]) / Math.max(0.001, t - samples[i][0]));
  const max = Math.max(1, ...rates);
  g.clearRect(0, 0, canvas.width, canvas.height);
  g.strokeStyle = '#3b82f6';
  g.beginPath();
  rates.forEach((v, i) => {
    const x = i * canvas.width / Math.max(1, rates.length - 1);
    const y = canvas.height - 10 - v / max * (canvas.height - 20);
    i ? g.lineTo(x, y) : g.moveTo(x, y);
  });
  g.stroke();
  g.fillStyle = '#6b7483';
  g.fillText(max.toFixed(1) + ' req/s', 4, 12);
}

async function download(fileId) {
  const blob = await (await api('/files/' + encodeURIComponent(fileId) + '/content')).blob();
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = fileId + '.jsonl';
  a.click();
  URL.revokeObjectURL(a.href);
}

async function backendsView() {
  let page;
  try {
    page = await json('/barge/backends');
  } catch (e) {
    if (e.status !== 403) throw e;
    // A project's key sees its own batches only; the backends are every project's traffic.
    show('<p class="muted" id="backends-denied">The backends view shows the whole server and needs an admin key'
      + ' (an <code>auth.api_keys</code> entry with <code>admin: true</code>). Your key sees its own project\'s batches.</p>');
    return;
  }
  show(`<table id="backends"><thead><tr><th>Backend</th><th>Type</th><th>Models</th><th>RPM</th><th>TPM</th>
    <th>In flight</th><th>Adaptive limit</th><th>Circuit</th><th>Answers</th></tr></thead><tbody>` +
    page.data.map(b => {
      const total = Object.values(b.answers).reduce((a, n) => a + n, 0);
      const share = k => total ? ((b.answers[k] || 0) / total * 100).toFixed(1) + '%' : '–';
      return `<tr><td>${esc(b.name)}</td><td>${esc(b.type)}</td><td>${esc(b.models.join(', '))}</td>
        <td>${b.requests_per_minute ?? '–'}</td><td>${b.tokens_per_minute ?? '–'}</td>
        <td>${b.in_flight}</td><td>${b.concurrency_limit} of ${b.max_concurrency}</td><td>${esc(b.circuit)}</td>
        <td>${total} (429: ${share('rate_limited')}, 5xx: ${share('server_error')})</td></tr>`;
    }).join('') + '</tbody></table>');
}

async function render() {
  const hash = location.hash || '#/';
  document.getElementById('nav-batches').classList.toggle('active', !hash.startsWith('#/backends'));
  document.getElementById('nav-backends').classList.toggle('active', hash.startsWith('#/backends'));
  try {
    if (hash.startsWith('#/batch/')) await batchView(decodeURIComponent(hash.slice(8)));
    else if (hash.startsWith('#/backends')) await backendsView();
    else await listView();
    errorBox.hidden = true;
  } catch (e) {
    errorBox.textContent = e.message;
    errorBox.hidden = false;
  }
}

document.getElementById('key-form').onsubmit = event => {
  event.preventDefault();
  state.key = document.getElementById('key').value.trim();
  localStorage.setItem('barge-key', state.key);
  document.getElementById('key-form').hidden = true;
  render();
};
window.addEventListener('hashchange', render);
render();
state.timer = setInterval(render, 1000); // live: everything is read again every second
