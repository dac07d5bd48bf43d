/* global window, document, sessionStorage, fetch, WebSocket, setTimeout, clearTimeout, location, URLSearchParams */
// The fleet dashboard: plain ES module, no build step. Reads the API with the token the user
// typed (sessionStorage, this tab only; never put in a URL), and refreshes on WebSocket events.

const TOKEN_KEY = 'fleet.token';
const PROJECT_KEY = 'fleet.project';
const STATUSES = ['pending', 'assigned', 'in_progress', 'in_review', 'done', 'failed', 'cancelled'];
const SVG = 'http://www.w3.org/2000/svg';

const $ = (id) => document.getElementById(id);
const state = { projects: [], refreshing: null, again: false, ws: null, retry: 0, timer: null, updates: 0, whatIf: null, sum: null, history: null, baseline: null, forecast: null, zoom: null, forecasts: 0, rounds: null };

function token() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

/** Element builder; text only ever goes in as text nodes. */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof window.Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof window.Node ? c : document.createTextNode(String(c)));
  return el;
}

/** Only http(s) links are ever rendered as links. */
function safeUrl(u) {
  try {
    const p = new URL(u, location.origin);
    return p.protocol === 'https:' || p.protocol === 'http:' ? p.href : null;
  } catch {
    return null;
  }
}

class AuthError extends Error {}

class HttpError extends Error {
  constructor(message, status, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

async function api(path) {
  const headers = { accept: 'application/json' };
  const t = token();
  if (t) headers.authorization = `Bearer ${t}`;
  const res = await fetch(path, { headers, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' });
  if (res.status === 401) throw new AuthError('unauthorized');
  if (!res.ok) {
    let body = null;
    try {
      body = await res.json();
    } catch {
      // not JSON
    }
    throw new HttpError(`${path}: HTTP ${res.status}`, res.status, body);
  }
  return res.json();
}

/** A read that may legitimately be missing (no baseline yet): null on 404. */
async function apiOrNull(path) {
  try {
    return await api(path);
  } catch (err) {
    if (err instanceof HttpError && err.status === 404) return null;
    throw err;
  }
}

const fmt = (n, d = 2) => (n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: 0 }));
const fmtEta = (e) => (e ? `${e.date.slice(0, 10)} (${fmt(e.days, 1)} days${e.basis === 'estimate_pace' ? ', at estimate pace' : ''})` : 'not computable yet');

function selectedProject() {
  const name = $('project').value;
  return state.projects.find((p) => p.name === name) || null;
}

function replaceRows(tbody, rows) {
  tbody.replaceChildren(...rows);
}

function renderSummary(sum) {
  const o = sum.overall;
  $('overall-percent').textContent = fmt(o.overall_percent);
  $('overall-bar').style.width = `${Math.min(100, o.overall_percent)}%`;
  $('hours-done').textContent = fmt(o.hours_done);
  $('hours-total').textContent = fmt(o.hours_total);
  const tasksTotal = STATUSES.filter((x) => x !== 'cancelled').reduce((n, x) => n + (o.tasks_by_status[x] || 0), 0);
  $('tasks-done').textContent = String(o.tasks_by_status.done || 0);
  $('tasks-total').textContent = String(tasksTotal);
  // The unit belongs to a number only: with no history the sentence stands alone.
  const noVelocity = o.velocity_hours_per_day === null;
  $('velocity').textContent = noVelocity ? '' : fmt(o.velocity_hours_per_day);
  $('velocity').hidden = noVelocity;
  $('velocity-unit').hidden = noVelocity;
  $('velocity-none').hidden = !noVelocity;
  $('active-agents').textContent = String(o.active_agents);
  $('eta-velocity').textContent = fmtEta(o.eta.by_velocity);
  $('eta-simulation').textContent = o.eta.by_simulation ? `${fmtEta(o.eta.by_simulation)}, ${o.eta.by_simulation.workers} worker(s)` : 'no active agents';
  const rows = sum.epics.map((e) =>
    h(
      'tr',
      { 'data-epic': e.epic, 'data-project': e.project },
      h('td', {}, e.epic),
      h('td', {}, e.title, state.projects.length > 1 && !selectedProject() ? h('small', { class: 'muted' }, ` ${e.project}`) : null),
      h('td', {}, (() => {
        const bar = h('div', { class: 'bar' }, h('div', { class: 'fill' }));
        bar.firstChild.style.width = `${Math.min(100, e.percent)}%`;
        return bar;
      })()),
      h('td', { class: 'epic-percent' }, `${fmt(e.percent)}%`),
      h('td', {}, `${fmt(e.hours_done)} / ${fmt(e.hours_total)}`),
      h('td', { class: 'chips' }, STATUSES.filter((x) => e.tasks_by_status[x]).map((x) => h('span', { class: `st-${x}` }, `${x.replace('_', ' ')} ${e.tasks_by_status[x]}`))),
    ),
  );
  replaceRows($('epics').tBodies[0], rows);
}

/** Hours of agent work from `from` as a time, at the forecast's working hours per day. */
const afterHours = (from, hours, perDay) => from + (hours / (perDay || 24)) * 86400e3;

function renderBurndown(history, sum, baseline, forecast) {
  const svg = $('burndown');
  const W = 800;
  const H = 260;
  const pad = { l: 50, r: 20, t: 10, b: 30 };
  const now = Date.now();
  const pts = (history ? history.burndown : []).map((p) => ({ t: Date.parse(p.at), v: p.hours_remaining }));
  const remaining = forecast ? forecast.remaining_hours : sum.overall.hours_remaining;
  pts.push({ t: now, v: sum.overall.hours_remaining });
  const planned = baseline ? baseline.burndown.map((p) => ({ t: Date.parse(p.at), v: p.hours_remaining })) : [];
  const asOf = forecast ? Date.parse(forecast.as_of) : now;
  const perDay = forecast ? forecast.hours_per_day : 24;
  const band = forecast ? forecast.band.map((b) => ({ v: b.remaining_hours, lo: afterHours(asOf, b.p10_hours, perDay), mid: afterHours(asOf, b.p50_hours, perDay), hi: afterHours(asOf, b.p90_hours, perDay) })) : [];
  const etaV = sum.overall.eta.by_velocity;
  const etaS = sum.overall.eta.by_simulation;
  const t0 = Math.min(...pts.map((p) => p.t), ...planned.map((p) => p.t));
  // The forecast band and the plan always fit; a far-off velocity ETA is cut to keep them readable.
  const fixedEnd = Math.max(now + 3600e3, ...band.map((b) => b.hi), ...planned.map((p) => p.t));
  const ends = [etaV, etaS].filter((e) => e && e.days > 0).map((e) => Date.parse(e.date));
  const t1 = Math.max(fixedEnd, ...ends.map((e) => Math.min(e, fixedEnd + Math.max(fixedEnd - t0, 86400e3))));
  const vmax = Math.max(1, ...pts.map((p) => p.v), ...planned.map((p) => p.v), remaining);
  const x = (t) => pad.l + ((Math.min(t, t1) - t0) / Math.max(1, t1 - t0)) * (W - pad.l - pad.r);
  const y = (v) => H - pad.b - (v / vmax) * (H - pad.t - pad.b);
  const line = (a) => a.map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ');
  // The plan is a staircase: hours leave it when a task is planned to finish.
  const stairs = (a) => a.map((p, i) => (i ? `H${x(p.t).toFixed(1)} V${y(p.v).toFixed(1)}` : `M${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`)).join(' ');
  const kids = [
    s('line', { class: 'axis', x1: pad.l, y1: H - pad.b, x2: W - pad.r, y2: H - pad.b }),
    s('line', { class: 'axis', x1: pad.l, y1: pad.t, x2: pad.l, y2: H - pad.b }),
    s('line', { class: 'now', x1: x(now), y1: pad.t, x2: x(now), y2: H - pad.b }),
    s('text', { x: 4, y: pad.t + 10 }, `${fmt(vmax, 0)}h`),
    s('text', { x: 4, y: H - pad.b }, '0h'),
    s('text', { x: pad.l, y: H - 8 }, new Date(t0).toISOString().slice(0, 10)),
    s('text', { x: W - pad.r - 70, y: H - 8 }, new Date(t1).toISOString().slice(0, 10)),
  ];
  if (band.length) {
    const poly = [...band.map((b) => `${x(b.lo).toFixed(1)},${y(b.v).toFixed(1)}`), ...band.slice().reverse().map((b) => `${x(b.hi).toFixed(1)},${y(b.v).toFixed(1)}`)].join(' ');
    kids.push(s('polygon', { class: 'band', points: poly, 'data-testid': 'forecast-band' }));
    kids.push(s('path', { class: 'p50', d: band.map((b, i) => `${i ? 'L' : 'M'}${x(b.mid).toFixed(1)},${y(b.v).toFixed(1)}`).join(' '), 'data-testid': 'forecast-p50-line', 'data-end': new Date(band[band.length - 1].mid).toISOString() }));
  }
  if (planned.length) kids.push(s('path', { class: 'planned', d: stairs(planned), 'data-testid': 'baseline-line', 'data-points': planned.length }));
  kids.push(s('path', { class: 'remaining', d: line(pts), 'data-points': pts.length }));
  const etaLine = (e, cls) => {
    if (!e) return;
    const end = Date.parse(e.date);
    const te = Math.min(end, t1);
    const rem = sum.overall.hours_remaining;
    const ve = end <= t1 ? 0 : rem * (1 - (t1 - now) / Math.max(1, end - now));
    kids.push(s('path', { class: cls, d: `M${x(now).toFixed(1)},${y(rem).toFixed(1)} L${x(te).toFixed(1)},${y(ve).toFixed(1)}` }));
  };
  etaLine(etaV, 'eta-v');
  etaLine(etaS, 'eta-s');
  svg.replaceChildren(...kids);
  $('baseline-note').textContent = baseline
    ? `baseline of ${baseline.created_at.slice(0, 10)} (${baseline.reason === 'request' ? 're-baselined on request' : `stored at ${baseline.reason}`}): ${baseline.agents} agent(s), ${fmt(baseline.makespan_hours)} h`
    : 'no baseline yet: it is stored when the plan is seeded ("fleet plan baseline" re-baselines)';
}

const when = (q) => `${q.date.slice(0, 10)} (${fmt(q.hours, 0)} h)`;
const SOURCES = { query: 'what-if', active_agents: 'the active agents', fleet_capacity: "the fleet's capacity", local_default: 'default for a local project' };

function renderForecast(f) {
  $('fc-p50').textContent = when(f.p50);
  $('fc-p80').textContent = when(f.p80);
  $('fc-p90').textContent = when(f.p90);
  $('fc-bound').textContent = `${fmt(f.bound_hours, 0)} h`;
  $('fc-agents').textContent = `${f.agents.count} (${SOURCES[f.agents.source] || f.agents.source})`;
  const c = f.calibration;
  $('fc-cal').textContent = `${c.observations} attempt(s); ratio median ${fmt(c.ratio_median)}, P90 ${fmt(c.ratio_p90)}; redone ${fmt(c.retry_rate * 100, 0)}%; review ${fmt(c.review_hours_median)} h`;
  $('fc-assumptions').replaceChildren(...f.assumptions.map((a) => h('li', {}, a)));
  if (document.activeElement !== $('whatif-agents')) $('whatif-agents').value = String(f.agents.count);
  state.forecasts++;
  document.body.dataset.forecasts = String(state.forecasts);
}

function renderSlack(f, baseline) {
  const rows = [];
  const planned = new Map((baseline ? baseline.tasks : []).map((t) => [t.key, t]));
  const left = new Set();
  // Most often critical first, then least slack: what to watch.
  for (const t of f ? [...f.tasks].sort((a, b) => b.critical_share - a.critical_share || a.slack_hours - b.slack_hours || a.finish_hours - b.finish_hours) : []) {
    left.add(t.key);
    const st = t.baseline ? t.baseline.status : 'pending';
    rows.push(
      h('tr', { 'data-task': t.key, 'data-state': st },
        h('td', {}, t.key),
        h('td', {}, t.baseline ? t.baseline.planned_finish.slice(0, 16).replace('T', ' ') : '–'),
        h('td', {}, t.finish_date.slice(0, 16).replace('T', ' ')),
        h('td', { class: 'slack-hours' }, `${fmt(t.slack_hours, 1)} h`),
        h('td', { class: 'critical-share' }, `${fmt(t.critical_share * 100, 0)}%`),
        h('td', { class: `state-${st}` }, t.baseline ? `${st.replace('_', ' ')} ${t.baseline.delta_hours > 0 ? '+' : ''}${fmt(t.baseline.delta_hours, 1)} h` : 'not in baseline'),
      ),
    );
  }
  for (const t of planned.values()) {
    if (left.has(t.key) || !t.completed_at) continue;
    rows.push(
      h('tr', { 'data-task': t.key, 'data-state': t.state },
        h('td', {}, t.key),
        h('td', {}, t.planned_finish.slice(0, 16).replace('T', ' ')),
        h('td', {}, `done ${t.completed_at.slice(0, 16).replace('T', ' ')}`),
        h('td', {}, '–'),
        h('td', {}, '–'),
        h('td', { class: `state-${t.state}` }, t.state.replace('_', ' ')),
      ),
    );
  }
  replaceRows($('slack').tBodies[0], rows.length ? rows.slice(0, 300) : [h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'nothing left to do'))]);
}

function renderGraph(g) {
  const svg = $('graph');
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const depth = new Map();
  const incoming = new Map(g.nodes.map((n) => [n.id, []]));
  for (const e of g.edges) if (incoming.has(e.to) && byId.has(e.from)) incoming.get(e.to).push(e.from);
  const visiting = new Set();
  const level = (id) => {
    if (depth.has(id)) return depth.get(id);
    if (visiting.has(id)) return 0;
    visiting.add(id);
    const d = incoming.get(id).reduce((m, p) => Math.max(m, level(p) + 1), 0);
    visiting.delete(id);
    depth.set(id, d);
    return d;
  };
  const layers = [];
  for (const n of g.nodes) (layers[level(n.id)] ||= []).push(n);
  const NW = 64;
  const NH = 24;
  const GX = 40;
  const GY = 10;
  const pos = new Map();
  layers.forEach((layer, i) => layer.forEach((n, j) => pos.set(n.id, { x: 10 + i * (NW + GX), y: 10 + j * (NH + GY) })));
  const width = 20 + layers.length * (NW + GX);
  const height = 20 + Math.max(1, ...layers.map((l) => l.length)) * (NH + GY);
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.dataset.width = String(width);
  svg.dataset.height = String(height);
  applyZoom();
  const cp = g.critical_path.task_ids;
  const cpEdge = new Set(cp.slice(1).map((id, i) => `${cp[i]}>${id}`));
  const kids = [];
  for (const e of g.edges) {
    const a = pos.get(e.from);
    const b = pos.get(e.to);
    if (!a || !b) continue;
    const crit = cpEdge.has(`${e.from}>${e.to}`);
    kids.push(s('path', { class: `edge ${e.kind}${crit ? ' critical' : ''}`, d: `M${a.x + NW},${a.y + NH / 2} C${a.x + NW + GX / 2},${a.y + NH / 2} ${b.x - GX / 2},${b.y + NH / 2} ${b.x},${b.y + NH / 2}` }));
  }
  for (const n of g.nodes) {
    const p = pos.get(n.id);
    kids.push(
      s(
        'g',
        { class: `node${n.critical ? ' critical' : ''}`, 'data-key': n.key, 'data-status': n.status, transform: `translate(${p.x},${p.y})` },
        s('title', {}, `${n.key} ${n.title} — ${n.status}, ${n.hours}h`),
        s('rect', { width: NW, height: NH, rx: 5, fill: `var(--${n.status})` }),
        s('text', { x: 6, y: 16 }, n.key),
      ),
    );
  }
  svg.replaceChildren(...kids);
  $('cp').textContent = cp.length ? `critical path ${g.critical_path.keys.join(' → ')} (${fmt(g.critical_path.hours)} h remaining)` : 'no remaining critical path';
  $('graph-legend').replaceChildren(...STATUSES.map((x) => h('span', { class: 'chips' }, h('span', { class: `st-${x}` }, x.replace('_', ' ')))), g.truncated ? ' (first tasks only)' : '');
}

/**
 * The graph fits its panel unless zoomed: at "fit" the whole graph, the end of the critical path
 * included, is in view; zoomed in, the panel scrolls (or is dragged) to pan.
 */
function applyZoom() {
  const svg = $('graph');
  const width = Number(svg.dataset.width || 0);
  const height = Number(svg.dataset.height || 0);
  if (!width) return;
  const panel = $('graph-panel');
  const fit = Math.min(1, (panel.clientWidth - 4) / width, 480 / height);
  const scale = state.zoom === null ? fit : state.zoom;
  svg.setAttribute('width', String(Math.max(40, Math.floor(width * scale))));
  svg.setAttribute('height', String(Math.max(20, Math.floor(height * scale))));
  svg.dataset.scale = String(scale);
}

function zoomBy(f) {
  const cur = Number($('graph').dataset.scale || 1);
  state.zoom = Math.min(4, Math.max(0.1, cur * f));
  applyZoom();
}

function renderAgents(agents) {
  replaceRows(
    $('agents').tBodies[0],
    agents.map((a) =>
      h(
        'tr',
        { 'data-agent': a.name },
        h('td', {}, a.name, h('small', { class: 'muted' }, ` ${a.kind}`)),
        h('td', {}, a.pool),
        h('td', {}, a.current_tasks.map((t) => h('div', {}, `${t.key} ${t.status.replace('_', ' ')} ${t.percent_complete}%`))),
        h('td', { title: `busy ${fmt(a.utilisation_percent, 0)}% of the time it was registered in the last ${a.window_hours} h, over ${a.capacity} slot(s)` }, `${fmt(a.utilisation_percent, 0)}%`, h('small', { class: 'muted' }, ` of ${a.capacity} slot(s)`)),
        h('td', {}, String(a.tasks_done)),
        h('td', {}, String(a.failures)),
        h('td', { class: `health-${a.heartbeat.health}` }, a.heartbeat.health, a.heartbeat.age_seconds !== null ? h('small', { class: 'muted' }, ` ${a.heartbeat.age_seconds}s ago`) : null),
      ),
    ),
  );
}

function link(url, text) {
  const u = safeUrl(url);
  return u ? h('a', { href: u, target: '_blank', rel: 'noopener noreferrer' }, text) : text;
}

/** A task's PR state and feedback round, as small print beside its PR link. */
function roundNote(task) {
  if (!task) return null;
  const bits = [task.pr_state, task.round ? `round ${task.round}` : ''].filter(Boolean);
  return bits.length ? h('small', { class: `muted pr-${task.pr_state || 'none'}`, 'data-round': String(task.round) }, ` ${bits.join(' · ')}`) : null;
}

function renderQueue(tasks) {
  replaceRows(
    $('queue').tBodies[0],
    tasks.length
      ? tasks.map((t) =>
          h(
            'tr',
            { 'data-key': t.key },
            h('td', {}, String(t.position)),
            h('td', {}, `${t.key} ${t.title}`),
            h('td', {}, t.pr_number ? link(t.pr_url, `#${t.pr_number}`) : '–', roundNote(state.rounds && state.rounds.get(t.key))),
            h('td', { class: `state-${t.state}` }, t.state, t.queue ? h('small', { class: 'muted' }, ` queue: ${t.queue.state}${t.queue.position ? ` #${t.queue.position}` : ''}`) : null),
            h('td', {}, `${t.approvals.approved}/${t.approvals.required}`),
            h('td', {}, t.checks.state),
            h('td', {}, t.waits_for.map((w) => h('div', {}, w.detail))),
          ),
        )
      : [h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'nothing in review'))],
  );
}

function renderFeed(evidence) {
  $('feed').replaceChildren(
    ...(evidence.length
      ? evidence.map((e) =>
          h(
            'li',
            {},
            h('span', { class: 'src' }, e.from_github ? 'github' : 'agent'),
            `${e.created_at.slice(0, 19).replace('T', ' ')} ${e.task_key || ''} ${e.type} `,
            e.url ? link(e.url, e.ref ? e.ref.slice(0, 12) : 'open') : e.ref ? e.ref.slice(0, 12) : '',
            e.metadata && e.metadata.summary ? h('span', { class: 'muted' }, ` ${String(e.metadata.summary).slice(0, 140)}`) : null,
          ),
        )
      : [h('li', { class: 'muted' }, 'no evidence yet')]),
  );
}

const usd = (n) => `$${Number(n).toFixed(2)}`;

/** Issue 15: paused, spend and budget left, tasks held by a guard, open circuits, issue bodies edited by non-writers. */
function renderGuards(g) {
  $('guards-none').hidden = !!g;
  $('guards-stats').hidden = !g;
  if (!g) return $('guards-list').replaceChildren();
  const { spend, guards } = g;
  $('guards-paused').textContent = guards.paused ? `paused (${guards.pause_mode})` : 'running';
  $('spend-day').textContent = usd(spend.project.day_usd);
  $('spend-rate').textContent = `${usd(spend.project.burn_rate_usd_per_hour)}/h`;
  $('spend-left').textContent = spend.project.budget_left.day === undefined ? 'no daily budget' : usd(spend.project.budget_left.day);
  $('spend-total').textContent = usd(spend.project.spend_usd);
  const items = [
    ...guards.circuits.filter((c) => c.status !== 'closed').map((c) => h('li', { class: 'warn', 'data-testid': 'circuit-open' }, `pool ${c.pool}: circuit ${c.status.replace('_', '-')}${c.open_until ? ` until ${new Date(c.open_until).toLocaleTimeString()}` : ''} (last failure ${c.last_failure || 'unknown'})`)),
    ...guards.held.map((t) => h('li', { 'data-testid': 'held-task' }, `task ${t.key} held: ${t.reason}${t.ready_after ? ` until ${new Date(t.ready_after).toLocaleTimeString()}` : ''}`)),
    ...guards.untrusted_edits.map((u) => h('li', { class: 'warn', 'data-testid': 'untrusted-edit' }, `task ${u.key}: issue body edited by ${u.edited_by || 'someone'} without write access (agents get the synced plan text)`)),
    ...spend.epics
      .filter((e) => e.spend_usd > 0)
      .slice(0, 20)
      .map((e) => h('li', { class: 'muted', 'data-testid': 'epic-spend' }, `epic ${e.key}: ${usd(e.spend_usd)}${e.budget_left_usd === null ? '' : `, ${usd(e.budget_left_usd)} left`}`)),
    ...spend.tasks
      .filter((t) => t.spend_usd > 0)
      .slice(0, 20)
      .map((t) => h('li', { class: 'muted', 'data-testid': 'task-spend' }, `task ${t.key}: ${usd(t.spend_usd)}${t.budget_left.task === undefined ? '' : `, ${usd(t.budget_left.task)} left`}`)),
  ];
  $('guards-list').replaceChildren(...items);
}

async function loadProjects() {
  const { projects } = await api('/api/progress/projects');
  state.projects = projects;
  const sel = $('project');
  const keep = sessionStorage.getItem(PROJECT_KEY) || sel.value || (projects.length === 1 ? projects[0].name : '');
  sel.replaceChildren(h('option', { value: '' }, 'all projects'), ...projects.map((p) => h('option', { value: p.name }, p.name)));
  sel.value = projects.some((p) => p.name === keep) ? keep : '';
}

async function refreshNow() {
  if (!state.projects.length) await loadProjects();
  const p = selectedProject();
  const q = p ? `?project=${encodeURIComponent(p.name)}` : '';
  const graphProject = p || (state.projects.length === 1 ? state.projects[0] : null);
  const [sum, agents, queue, feed, history, graph, baseline, forecast, inReview] = await Promise.all([
    api(`/api/progress/summary${q}`),
    api('/api/progress/agents'),
    api(`/api/git/merge-queue${q}`),
    api(`/api/git/evidence${q ? `${q}&` : '?'}limit=30`),
    graphProject ? api(`/api/progress/history/${graphProject.id}?limit=500`) : Promise.resolve(null),
    graphProject ? api(`/api/progress/graph?project=${encodeURIComponent(graphProject.name)}&limit=800`) : Promise.resolve(null),
    graphProject ? apiOrNull(`/api/progress/baseline?project=${encodeURIComponent(graphProject.name)}`) : Promise.resolve(null),
    api(forecastPath(graphProject)).catch((err) => {
      if (err instanceof AuthError) throw err;
      console.warn('forecast failed', err);
      return null;
    }),
    // Each task's feedback round and PR state (#14), shown in the review table.
    api(`/api/tasks${q ? `${q}&` : '?'}status=in_review&limit=500`).catch((err) => {
      if (err instanceof AuthError) throw err;
      return { tasks: [] };
    }),
  ]);
  state.rounds = new Map(inReview.tasks.map((t) => [t.key, t]));
  Object.assign(state, { sum, history, baseline, forecast });
  renderGuards(graphProject ? await apiOrNull(`/api/projects/${graphProject.id}/guards`) : null);
  renderSummary(sum);
  renderBurndown(history, sum, baseline, forecast);
  if (forecast) renderForecast(forecast);
  renderSlack(forecast, baseline);
  if (graph) renderGraph(graph);
  else {
    $('graph').replaceChildren();
    $('cp').textContent = 'choose a project to see its graph';
  }
  renderAgents(agents.agents);
  renderQueue(queue.tasks);
  renderFeed(feed.evidence);
  $('auth').hidden = true;
  state.updates++;
  document.body.dataset.updates = String(state.updates);
  $('updated').textContent = new Date().toLocaleTimeString();
}

function forecastPath(project) {
  const p = new URLSearchParams();
  if (project) p.set('project', project.name);
  if (state.whatIf !== null) p.set('agents', String(state.whatIf));
  const qs = p.toString();
  return `/api/progress/forecast${qs ? `?${qs}` : ''}`;
}

/** The what-if: only the forecast is asked again, with the chosen agent count. */
async function whatIf(agents) {
  const err = $('whatif-error');
  if (agents !== null && !(Number.isInteger(agents) && agents >= 1 && agents <= 10000)) {
    err.textContent = 'agents: a whole number from 1 to 10000';
    err.hidden = false;
    return;
  }
  err.hidden = true;
  state.whatIf = agents;
  const p = selectedProject() || (state.projects.length === 1 ? state.projects[0] : null);
  try {
    const f = await api(forecastPath(p));
    state.forecast = f;
    renderForecast(f);
    if (state.sum) renderBurndown(state.history, state.sum, state.baseline, f);
    renderSlack(f, state.baseline);
  } catch (e) {
    err.textContent = e instanceof HttpError && e.body && e.body.error ? e.body.error.message : String(e.message || e);
    err.hidden = false;
  }
}

/** One refresh at a time; events arriving meanwhile cause exactly one more. */
function refresh() {
  if (state.refreshing) {
    state.again = true;
    return state.refreshing;
  }
  state.refreshing = refreshNow()
    .catch((err) => {
      if (err instanceof AuthError) $('auth').hidden = false;
      else console.warn('refresh failed', err);
    })
    .finally(() => {
      state.refreshing = null;
      if (state.again) {
        state.again = false;
        refresh();
      }
    });
  return state.refreshing;
}

let debounce = null;
let debounceAt = 0;
/** Coalesces bursts of events into one refresh; heartbeats alone refresh at most every few seconds. */
function refreshSoon(type) {
  const wait = type === 'agent.heartbeat' ? 3000 : 150;
  const at = Date.now() + wait;
  if (debounce && debounceAt <= at) return;
  clearTimeout(debounce);
  debounceAt = at;
  debounce = setTimeout(() => {
    debounce = null;
    refresh();
  }, wait);
}

function setConn(text, cls) {
  const c = $('conn');
  c.textContent = text;
  c.className = `pill ${cls}`;
}

function connect() {
  clearTimeout(state.timer);
  if (state.ws) {
    state.ws.onclose = null;
    state.ws.close();
  }
  const t = token();
  // The token travels as a subprotocol, never in the URL.
  const protocols = t ? ['fleet.v1', `bearer.${t}`] : ['fleet.v1'];
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`, protocols);
  state.ws = ws;
  ws.onopen = () => {
    state.retry = 0;
    $('banner').hidden = true;
    setConn('live', 'live');
    refresh();
  };
  ws.onmessage = (m) => {
    let e;
    try {
      e = JSON.parse(m.data);
    } catch {
      return;
    }
    if (e && e.type && e.type !== 'hello') refreshSoon(e.type);
  };
  ws.onclose = (ev) => {
    if (state.ws !== ws) return;
    setConn('disconnected', 'down');
    if (ev.code === 4401) $('auth').hidden = false;
    $('banner').hidden = false;
    $('banner').textContent = 'disconnected — reconnecting';
    const delay = Math.min(10_000, 500 * 2 ** state.retry++);
    state.timer = setTimeout(connect, delay);
  };
}

function init() {
  $('token-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = $('token').value.trim();
    $('token').value = '';
    if (v) sessionStorage.setItem(TOKEN_KEY, v);
    state.projects = [];
    connect();
    refresh();
  });
  $('forget').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    state.projects = [];
    connect();
    refresh();
  });
  $('whatif').addEventListener('submit', (ev) => {
    ev.preventDefault();
    whatIf(Number($('whatif-agents').value));
  });
  $('whatif-agents').addEventListener('change', () => whatIf(Number($('whatif-agents').value)));
  for (const b of $('whatif').querySelectorAll('button[data-agents]')) b.addEventListener('click', () => whatIf(Number(b.dataset.agents)));
  $('whatif-reset').addEventListener('click', () => whatIf(null));
  $('zoom-in').addEventListener('click', () => zoomBy(1.25));
  $('zoom-out').addEventListener('click', () => zoomBy(0.8));
  $('zoom-fit').addEventListener('click', () => {
    state.zoom = null;
    applyZoom();
  });
  window.addEventListener('resize', () => {
    if (state.zoom === null) applyZoom();
  });
  // Drag to pan the zoomed graph.
  const panel = $('graph-panel');
  let drag = null;
  panel.addEventListener('pointerdown', (ev) => {
    drag = { x: ev.clientX, y: ev.clientY, l: panel.scrollLeft, t: panel.scrollTop };
  });
  window.addEventListener('pointerup', () => {
    drag = null;
  });
  panel.addEventListener('pointermove', (ev) => {
    if (!drag) return;
    panel.scrollLeft = drag.l - (ev.clientX - drag.x);
    panel.scrollTop = drag.t - (ev.clientY - drag.y);
  });
  $('project').addEventListener('change', () => {
    sessionStorage.setItem(PROJECT_KEY, $('project').value);
    refresh();
  });
  connect();
  refresh();
}

init();
