import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parse } from 'yaml';
import type { Probot } from 'probot';
import { fleetApp } from '../../app/github/ingest/fleetApp.js';
import type { FleetAppDeps } from '../../app/github/context.js';

/**
 * app.yml checked against GitHub's own published descriptions, as shipped in npm:
 * - @octokit/openapi-webhooks: every webhook, its event name (`x-github.subcategory`), who may
 *   subscribe to it (`x-github["supported-webhook-types"]` includes "app"), and, in prose only, the
 *   permission an app needs to subscribe ("...must have at least read-level access for the
 *   "Merge queues" repository permission."). The permission is not a structured field: it is read
 *   from that sentence, and its display name mapped to the schema key by GitHub's naming
 *   ("Pull requests" -> pull_requests), which the test checks is a real key.
 * - @octokit/openapi: the `app-permissions` schema, i.e. every permission name and its levels.
 * Not in either description: that `installation` and `installation_repositories` are delivered to
 * every app and refused in `default_events` (GitHub's manifest docs say so; the spec marks them
 * app-subscribable like any other event). That one fact is stated here by hand.
 */

const require = createRequire(import.meta.url);
const webhooksSpec = require('@octokit/openapi-webhooks/generated/api.github.com.json') as {
  webhooks: Record<string, { post: { summary?: string; description?: string; 'x-github': { subcategory: string; 'supported-webhook-types': string[] } } }>;
};
const restSpec = require('@octokit/openapi/generated/api.github.com.json') as {
  components: { schemas: Record<string, { properties: Record<string, { enum?: string[] }> }> };
};

/** Delivered to every GitHub App and not accepted in a manifest's default_events. */
const ALWAYS_DELIVERED = ['installation', 'installation_repositories'];

interface EventFacts {
  subscribableByApps: boolean;
  /** Permission display names ("Merge queues") an app needs at least read access to. */
  needs: Set<string>;
}

/** Permission sentences the pattern did not understand (so a change in GitHub's wording fails loudly). */
const unparsed: string[] = [];

function eventsFromSpec(): Map<string, EventFacts> {
  const events = new Map<string, EventFacts>();
  for (const { post } of Object.values(webhooksSpec.webhooks)) {
    const name = post['x-github'].subcategory;
    const facts = events.get(name) ?? { subscribableByApps: false, needs: new Set<string>() };
    facts.subscribableByApps ||= post['x-github']['supported-webhook-types'].includes('app');
    for (const text of [post.summary, post.description]) {
      const m = /(?:To subscribe to this event, a GitHub App|To install this event on a GitHub App, the app) must have at least read-level access for the ((?:"[^"]+"(?: or )?)+) (?:repository |organization |app |repository or organization )?permissions?\./.exec(text ?? '');
      // "X" or "Y" means either one suffices: recorded as one alternative set, joined by |.
      if (m) facts.needs.add([...m[1]!.matchAll(/"([^"]+)"/g)].map((x) => x[1]!).join('|'));
      else if (/(?:To subscribe to this event|To install this event on)/.test(text ?? '')) unparsed.push(`${name}: ${text!.slice(0, 200)}`);
    }
    events.set(name, facts);
  }
  return events;
}

/** Display names whose key is not their snake_case form (the spec says "Commit statuses" for `statuses`). */
const PERMISSION_ALIASES: Record<string, string> = { commit_statuses: 'statuses' };
const permissionKey = (displayName: string) => {
  const k = displayName.toLowerCase().replace(/\s+/g, '_');
  return PERMISSION_ALIASES[k] ?? k;
};

const manifest = parse(readFileSync(new URL('../../app.yml', import.meta.url), 'utf8')) as {
  default_events: string[];
  default_permissions: Record<string, string>;
};

function wiredEvents(): Set<string> {
  const wired = new Set<string>();
  const recorder = {
    on: (events: string | string[]) => [events].flat().forEach((e) => wired.add(e.split('.')[0]!)),
    onAny: () => undefined,
    onError: () => undefined,
    log: { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined },
  };
  void fleetApp({} as FleetAppDeps)(recorder as unknown as Probot, { cwd: '.', addHandler: () => undefined });
  return wired;
}

describe('app.yml against GitHub’s published descriptions', () => {
  const events = eventsFromSpec();
  const permissions = restSpec.components.schemas['app-permissions']!.properties;

  it('reads the descriptions it relies on (the parsing found what it looks for)', () => {
    expect(events.size).toBeGreaterThan(50);
    expect(events.get('push')?.needs).toEqual(new Set(['Contents']));
    expect(events.get('merge_group')?.needs).toEqual(new Set(['Merge queues']));
    expect(Object.keys(permissions)).toContain('merge_queues');
    expect(unparsed).toEqual([]);
  });

  it('lists only events that exist, apps may subscribe to, and GitHub accepts in a manifest', () => {
    for (const e of manifest.default_events) {
      expect(events.has(e), `${e} is not a GitHub webhook event`).toBe(true);
      expect(events.get(e)!.subscribableByApps, `${e} cannot be subscribed to by a GitHub App`).toBe(true);
      expect(ALWAYS_DELIVERED, `${e} is delivered to every app; GitHub refuses it in default_events`).not.toContain(e);
    }
    expect(new Set(manifest.default_events).size).toBe(manifest.default_events.length);
  });

  it('grants every permission each subscribed event needs', () => {
    for (const e of manifest.default_events) {
      for (const need of events.get(e)?.needs ?? []) {
        const keys = need.split('|').map(permissionKey);
        for (const k of keys) expect(Object.keys(permissions), `"${k}" (from "${need}") is not a permission name`).toContain(k);
        expect(
          keys.some((k) => manifest.default_permissions[k] !== undefined),
          `${e} needs at least read access to ${need}; default_permissions grants none of ${keys.join(', ')}`,
        ).toBe(true);
      }
    }
  });

  it('uses only valid permission names and levels', () => {
    for (const [name, level] of Object.entries(manifest.default_permissions)) {
      expect(Object.keys(permissions), `${name} is not a GitHub App permission`).toContain(name);
      expect(permissions[name]!.enum, `${name} cannot be "${level}"`).toContain(level);
    }
  });

  it('covers every event the app wires a handler for', () => {
    const wired = wiredEvents();
    expect(wired.size).toBeGreaterThan(5);
    for (const e of wired) {
      expect(events.has(e), `handler for ${e}, which is not a GitHub webhook event`).toBe(true);
      if (!ALWAYS_DELIVERED.includes(e)) expect(manifest.default_events, `a handler listens for ${e} but the manifest does not subscribe to it`).toContain(e);
    }
    // and subscribes to nothing it ignores
    for (const e of manifest.default_events) expect(wired, `subscribed to ${e} but no handler uses it`).toContain(e);
  });
});
