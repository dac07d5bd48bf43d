import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInRequest {
  method: string;
  path: string;
  body: string;
  /** Set once the stand-in has answered; never set for a request it held until the client died. */
  answered: boolean;
}

/**
 * A stand-in GitHub on loopback for the ingestion tests: records every request, answers the
 * few REST routes they use, and can hold requests unanswered (`hold`) to stand for a GitHub
 * that never answers while a process is killed.
 */
export async function startStandIn() {
  const requests: StandInRequest[] = [];
  let hold: (r: StandInRequest) => boolean = () => false;
  const held: ServerResponse[] = [];
  const answer = (req: StandInRequest, res: ServerResponse) => {
    const { method, path } = req;
    let status = 404;
    let body: unknown = { message: 'Not Found' };
    if (method === 'POST' && /^\/api\/v3\/app\/installations\/\d+\/access_tokens$/.test(path)) {
      status = 201;
      body = { token: 'ghs_standin', expires_at: '2999-01-01T00:00:00Z', permissions: {}, repository_selection: 'all' };
    } else if (method === 'POST' && /^\/api\/v3\/repos\/[^/]+\/[^/]+\/issues\/\d+\/reactions$/.test(path)) {
      status = 201;
      body = { id: requests.length, content: '+1' };
    } else if (method === 'POST' && /^\/api\/v3\/repos\/[^/]+\/[^/]+\/issues\/\d+\/comments$/.test(path)) {
      status = 201;
      body = { id: requests.length, body: 'ok' };
    }
    req.answered = true;
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: StandInRequest = { method: req.method ?? '', path: (req.url ?? '').split('?')[0]!, body: Buffer.concat(chunks).toString('utf8'), answered: false };
      requests.push(r);
      if (hold(r)) held.push(res);
      else answer(r, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    requests,
    host: `127.0.0.1:${port}`,
    baseUrl: `http://127.0.0.1:${port}/api/v3`,
    /** From now on, requests this predicate picks are held unanswered. */
    holdWhen(p: (r: StandInRequest) => boolean) {
      hold = p;
    },
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type StandIn = Awaited<ReturnType<typeof startStandIn>>;

/** Polls `fn` until it returns a truthy value; throws with `what` when the deadline passes. */
export async function until<T>(fn: () => Promise<T> | T, what: string, deadlineMs = 30_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The smallest app with a GitHub write: every issue comment gets a +1 reaction, through the
 * event's own installation client (context.octokit), as the fleet's command handler does.
 */
export function reactApp(app: import('probot').Probot): void {
  app.on('issue_comment.created', async (context) => {
    const p = context.payload;
    await context.octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/reactions', {
      owner: p.repository.owner.login,
      repo: p.repository.name,
      issue_number: p.issue.number,
      content: '+1',
    });
  });
}
