import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Probot } from 'probot';
import { fleetApp } from '../../app/github/app.js';
import type { FleetAppDeps } from '../../app/github/context.js';

// app.yml is the least-privilege manifest: it subscribes to exactly the events the app wires,
// and asks for no permission beyond what those handlers and the merge queue use.
describe('app.yml', () => {
  const manifest = parse(readFileSync(new URL('../../app.yml', import.meta.url), 'utf8')) as {
    default_events: string[];
    default_permissions: Record<string, string>;
  };

  it('subscribes to exactly the events the Probot app handles', () => {
    const wired = new Set<string>();
    const recorder = {
      on: (events: string | string[]) => [events].flat().forEach((e) => wired.add(e.split('.')[0]!)),
      onAny: () => undefined,
      onError: () => undefined,
      log: { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined },
    };
    void fleetApp({} as FleetAppDeps)(recorder as unknown as Probot, { cwd: '.', addHandler: () => undefined });
    expect([...manifest.default_events].sort()).toEqual([...wired].sort());
  });

  it('asks only for the permissions the app uses', () => {
    expect(manifest.default_permissions).toEqual({
      issues: 'write',
      pull_requests: 'write',
      checks: 'write',
      actions: 'write',
      contents: 'write',
      statuses: 'read',
      metadata: 'read',
    });
  });
});
