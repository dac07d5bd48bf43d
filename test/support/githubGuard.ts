/**
 * Vitest setup file (vitest.config.ts `setupFiles`): the global guard on GitHub mocks.
 *
 * The app swallows errors from replies, reactions, labels and dispatches (a failed comment must
 * not fail a webhook), so a request GitHub would refuse, or one no mock answers, goes unnoticed
 * inside a test. Here every test fails that
 *  - sends a request nock answers but GitHub's own API description does not allow
 *    (test/support/githubApi.ts: method + path, path and query parameters, JSON body, GraphQL),
 *  - sends a request to any host other than loopback that no nock interceptor matched,
 *  - leaves a nock interceptor it set up unused.
 * Loopback stays open for the test's own servers, Postgres and Redis; nothing else is reachable.
 */
import nock from 'nock';
import { afterEach, expect } from 'vitest';
import { describeRequest, githubApiPath, githubRequestProblems } from './githubApi.js';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\]|::1)(:\d+)?$/;

const invalid: string[] = [];
const unmatched: string[] = [];

nock.disableNetConnect();
nock.enableNetConnect((host: string) => LOOPBACK.test(host));

// Every interceptor's scope emits 'request' before it replies (nock/lib/playback_interceptor.js).
// Scope is not exported, so patch the prototype of a scope that registers nothing.
const scopeProto = Object.getPrototypeOf(nock('https://guard.invalid')) as { emit(event: string | symbol, ...args: unknown[]): boolean };
const emit = scopeProto.emit;
scopeProto.emit = function (this: unknown, event: string | symbol, ...args: unknown[]) {
  if (event === 'request') {
    const [req, interceptor, body] = args as [{ method: string; path: string }, { basePath: string }, string | undefined];
    const url = `${interceptor.basePath}${req.path}`;
    if (githubApiPath(url)) {
      let problems: string[];
      try {
        problems = githubRequestProblems({ method: req.method, url, body });
      } catch (err) {
        // Thrown here it would surface as a failed request the app may swallow: record it instead.
        problems = [`the validator failed: ${(err as Error).message}`];
      }
      if (problems.length) invalid.push(`${describeRequest({ method: req.method, url })}: ${problems.join('; ')}`);
    }
  }
  return emit.call(this, event, ...args);
};

interface NoMatchOptions {
  method?: string;
  host?: string;
  hostname?: string;
  port?: number | string;
  path?: string;
  proto?: string;
}
nock.emitter.on('no match', (reqOrOptions: NoMatchOptions & { options?: NoMatchOptions }, maybeOptions?: NoMatchOptions) => {
  const o: NoMatchOptions = maybeOptions ?? reqOrOptions;
  const host = o.host ?? (o.hostname ? `${o.hostname}${o.port ? `:${o.port}` : ''}` : '');
  if (LOOPBACK.test(host) || LOOPBACK.test(o.hostname ?? '')) return;
  unmatched.push(`${(o.method ?? 'GET').toUpperCase()} ${o.proto ?? 'https'}://${host}${o.path ?? ''}`);
});

/** Takes what the guard has recorded so far (for the guard's own tests): the next check starts empty. */
export function takeGuardFindings(): { invalid: string[]; unmatched: string[] } {
  return { invalid: invalid.splice(0), unmatched: unmatched.splice(0) };
}

afterEach(() => {
  const bad = invalid.splice(0);
  const lost = unmatched.splice(0);
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(bad, 'requests GitHub would refuse (checked against @octokit/openapi / @octokit/graphql-schema)').toEqual([]);
  expect(lost, 'requests no nock interceptor matched').toEqual([]);
  expect(pending, 'nock interceptors set up but never called').toEqual([]);
});
