import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { requestBody } from './requestBody.js';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for the parts of GitHub's REST API the App writes to while handling webhooks, on
 * 127.0.0.1, for child processes that nock cannot reach. Point the orchestrator at it with
 * `GHE_HOST=127.0.0.1:<port>` and `GHE_PROTOCOL=http` (the base URL is then `/api/v3`).
 *
 * It keeps enough state to answer the reads an interrupted run makes to find its own writes
 * (reactions, comments, labels, workflow runs, check runs), and records every request with the
 * `X-GitHub-Delivery` header Probot sends, so a test can count each write per delivery.
 *
 * `onRequest` sees every request (method, REST path without the `/api/v3` prefix, query, body)
 * before it is answered: plug a request validator in there, or return an answer to inject a fault.
 */

export interface StandInRequest {
  method: string;
  /** Path without the `/api/v3` prefix, e.g. `/repos/o/r/issues/1/comments`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
  /** X-GitHub-Delivery of the webhook the App was handling, when it sent one. */
  delivery: string | null;
  /** When it arrived (ms since the epoch). */
  at: number;
}

export interface StandInAnswer {
  status: number;
  body?: unknown;
}

export interface StandInOptions {
  /** Repository role per login (collaborator permission API); others are `none`. */
  roles?: Record<string, 'read' | 'triage' | 'write' | 'maintain' | 'admin'>;
  /** Repository files by path (contents API), e.g. `.github/fleet.yml`. */
  files?: Record<string, string>;
  /** Sees every request first; an answer returned (or resolved) is sent instead of the normal one. */
  onRequest?: (r: StandInRequest) => StandInAnswer | void | Promise<StandInAnswer | void>;
}

export interface StandInGitHub {
  /** `127.0.0.1:<port>` for GHE_HOST. */
  host: string;
  url: string;
  requests: StandInRequest[];
  /** Requests that change something (not GET, not the installation token exchange). */
  writes(): StandInRequest[];
  close(): Promise<void>;
}

const APP_USER = { login: 'fleet-app[bot]', id: 9000, type: 'Bot' };


function send(res: ServerResponse, status: number, body?: unknown, type = 'application/json') {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(status, { 'content-type': type });
  res.end(body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body));
}

export async function startStandInGitHub(opts: StandInOptions = {}): Promise<StandInGitHub> {
  const requests: StandInRequest[] = [];
  let nextId = 1;
  const id = () => nextId++;
  const now = () => new Date().toISOString();
  type Issue = { number: number; id: number; node_id: string; title: string; body: string; state: string; labels: string[] };
  const issues = new Map<number, Issue>();
  const comments = new Map<number, { id: number; body: string; user: typeof APP_USER; created_at: string; updated_at: string }[]>();
  const reactions = new Map<number, { id: number; content: string; user: typeof APP_USER }[]>();
  const labels = new Map<number, Set<string>>();
  const runs: { id: number; name: string; display_title: string; event: string; status: string; html_url: string; created_at: string; path: string }[] = [];
  const checkRuns: { id: number; name: string; head_sha: string; status: string; conclusion: string | null; started_at: string; completed_at: string | null }[] = [];
  let base = '';

  const route = (r: StandInRequest): StandInAnswer => {
    const m = (re: RegExp) => re.exec(r.path);
    let g: RegExpExecArray | null;
    if (r.method === 'POST' && (g = m(/^\/app\/installations\/(\d+)\/access_tokens$/))) {
      return { status: 201, body: { token: `ghs_standin${g[1]}`, expires_at: '2999-01-01T00:00:00Z', permissions: {}, repository_selection: 'all' } };
    }
    if (r.method === 'POST' && r.path === '/graphql') return { status: 200, body: { data: {} } };
    if (!(g = m(/^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/))) return { status: 404, body: { message: 'Not Found' } };
    const rest = g[3] ?? '';
    const q = (re: RegExp) => re.exec(rest);
    let h: RegExpExecArray | null;

    if (r.method === 'GET' && (h = q(/^\/contents\/(.+)$/))) {
      const path = decodeURIComponent(h[1]!);
      const text = opts.files?.[path];
      if (text === undefined) return { status: 404, body: { message: 'Not Found' } };
      if (String(r.headers.accept ?? '').includes('raw')) return { status: 200, body: text };
      return { status: 200, body: { type: 'file', encoding: 'base64', path, content: Buffer.from(text).toString('base64') } };
    }
    if (r.method === 'GET' && (h = q(/^\/collaborators\/([^/]+)\/permission$/))) {
      const role = opts.roles?.[decodeURIComponent(h[1]!)] ?? 'none';
      const permission = role === 'maintain' ? 'write' : role === 'triage' ? 'read' : role;
      return { status: 200, body: { permission, role_name: role, user: { login: h[1] } } };
    }
    if ((h = q(/^\/issues\/comments\/(\d+)\/reactions$/))) {
      const list = reactions.get(Number(h[1])) ?? [];
      reactions.set(Number(h[1]), list);
      if (r.method === 'GET') {
        const content = r.query.get('content');
        return { status: 200, body: list.filter((x) => !content || x.content === content) };
      }
      const content = (r.body as { content?: string })?.content ?? '';
      // GitHub keeps one reaction per person and content; asking again answers 200 with it.
      const had = list.find((x) => x.content === content);
      if (had) return { status: 200, body: had };
      const made = { id: id(), content, user: APP_USER };
      list.push(made);
      return { status: 201, body: made };
    }
    if ((h = q(/^\/issues\/(\d+)\/comments$/))) {
      const n = Number(h[1]);
      const list = comments.get(n) ?? [];
      comments.set(n, list);
      if (r.method === 'GET') {
        const since = r.query.get('since');
        return { status: 200, body: list.filter((c) => !since || c.updated_at >= since) };
      }
      const c = { id: id(), body: String((r.body as { body?: unknown })?.body ?? ''), user: APP_USER, created_at: now(), updated_at: now() };
      list.push(c);
      return { status: 201, body: c };
    }
    if ((h = q(/^\/issues\/(\d+)\/labels$/))) {
      const n = Number(h[1]);
      const set = labels.get(n) ?? new Set<string>();
      labels.set(n, set);
      if (r.method === 'POST') for (const l of ((r.body as { labels?: string[] })?.labels ?? [])) set.add(l);
      return { status: 200, body: [...set].map((name) => ({ name })) };
    }
    if (rest === '/issues') {
      if (r.method === 'GET') {
        const label = r.query.get('labels');
        const list = [...issues.values()].filter((i) => !label || i.labels.includes(label));
        return { status: 200, body: list.map((i) => ({ ...i, labels: i.labels.map((name) => ({ name })) })) };
      }
      const b = (r.body ?? {}) as { title?: string; body?: string; labels?: string[] };
      const n = issues.size + 1000;
      const iss: Issue = { number: n, id: id(), node_id: `I_${n}`, title: b.title ?? '', body: b.body ?? '', state: 'open', labels: b.labels ?? [] };
      issues.set(n, iss);
      return { status: 201, body: { ...iss, labels: iss.labels.map((name) => ({ name })) } };
    }
    if (r.method === 'PATCH' && (h = q(/^\/issues\/(\d+)$/))) {
      const iss = issues.get(Number(h[1]));
      if (!iss) return { status: 404, body: { message: 'Not Found' } };
      Object.assign(iss, r.body as object);
      return { status: 200, body: { ...iss, labels: iss.labels.map((name) => ({ name })) } };
    }
    if ((h = q(/^\/actions\/workflows\/([^/]+)\/(dispatches|runs)$/))) {
      const workflow = decodeURIComponent(h[1]!);
      if (h[2] === 'runs') {
        const list = runs.filter((x) => x.path.endsWith(`/${workflow}`) && (!r.query.get('event') || x.event === r.query.get('event')));
        return { status: 200, body: { total_count: list.length, workflow_runs: list } };
      }
      const inputs = ((r.body as { inputs?: Record<string, string> })?.inputs ?? {}) as Record<string, string>;
      const run = {
        id: id(),
        // The agent workflow's run-name: `fleet task=<key> epoch=<n>`.
        name: 'fleet agent',
        display_title: `fleet task=${inputs.task ?? ''} epoch=${inputs.epoch ?? ''}`,
        event: 'workflow_dispatch',
        status: 'queued',
        html_url: `${base}/runs/${nextId}`,
        created_at: now(),
        path: `.github/workflows/${workflow}`,
      };
      runs.push(run);
      return { status: 200, body: { workflow_run_id: run.id, run_url: `${base}/api/v3/runs/${run.id}`, html_url: run.html_url } };
    }
    if (r.method === 'POST' && rest === '/check-runs') {
      const b = (r.body ?? {}) as { name?: string; head_sha?: string; status?: string; conclusion?: string };
      const c = { id: id(), name: b.name ?? '', head_sha: b.head_sha ?? '', status: b.status ?? 'queued', conclusion: b.conclusion ?? null, started_at: now(), completed_at: b.status === 'completed' ? now() : null };
      checkRuns.push(c);
      return { status: 201, body: c };
    }
    if (r.method === 'GET' && (h = q(/^\/commits\/([^/]+)\/check-runs$/))) {
      const list = checkRuns.filter((c) => c.head_sha === h![1] && (!r.query.get('check_name') || c.name === r.query.get('check_name')));
      return { status: 200, body: { total_count: list.length, check_runs: list } };
    }
    return { status: 404, body: { message: 'Not Found' } };
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://stand-in');
      const { body } = await requestBody(req);
      const delivery = req.headers['x-github-delivery'];
      const r: StandInRequest = {
        method: req.method ?? 'GET',
        path: url.pathname.replace(/^\/api\/v3(?=\/)/, ''),
        query: url.searchParams,
        headers: req.headers,
        body,
        delivery: typeof delivery === 'string' ? delivery : null,
        at: Date.now(),
      };
      requests.push(r);
      const injected = await opts.onRequest?.(r);
      const answer = injected ?? route(r);
      send(res, answer.status, answer.body, typeof answer.body === 'string' ? 'text/plain' : 'application/json');
    })().catch((err: unknown) => send(res, 500, { message: String(err) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
  return {
    host: `127.0.0.1:${port}`,
    url: base,
    requests,
    writes: () => requests.filter((r) => r.method !== 'GET' && !/^\/app\/installations\/\d+\/access_tokens$/.test(r.path)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
