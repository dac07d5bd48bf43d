import { describe, expect, it } from 'vitest';
import { isBotActor } from '../../app/core/botActor.js';

/** Bots and this App never trigger commands or feedback; people do. */
describe('isBotActor', () => {
  const human = { login: 'octocat', type: 'User', id: 1 };

  it('lets a person through', () => {
    expect(isBotActor({ user: human, sender: human })).toBe(false);
    expect(isBotActor({ user: human, sender: human, performed_via_github_app: null }, { id: 99, slug: 'fleet' })).toBe(false);
    expect(isBotActor({})).toBe(false);
  });

  it.each([
    ['author of type Bot', { user: { login: 'renovate', type: 'Bot' }, sender: human }],
    ['author type in another case', { user: { login: 'x', type: 'bot' } }],
    ['author login ending in [bot]', { user: { login: 'dependabot[bot]', type: 'User' } }],
    ['login suffix in upper case', { user: { login: 'Some-App[BOT]' } }],
    ['sender of type Bot', { user: human, sender: { login: 'ci', type: 'Bot' } }],
    ['sender login ending in [bot]', { user: human, sender: { login: 'github-actions[bot]' } }],
  ])('refuses an %s', (_what, e) => {
    expect(isBotActor(e)).toBe(true);
  });

  it("refuses actions performed through this App, by id or by slug, and this App's bot login", () => {
    expect(isBotActor({ user: human, performed_via_github_app: { id: 99, slug: 'x' } }, { id: 99 })).toBe(true);
    expect(isBotActor({ user: human, performed_via_github_app: { id: 99 } }, { id: '99' })).toBe(true);
    expect(isBotActor({ user: human, performed_via_github_app: { id: 5, slug: 'Fleet-Orchestrator' } }, { slug: 'fleet-orchestrator' })).toBe(true);
    expect(isBotActor({ user: { login: 'fleet-orchestrator' } }, { slug: 'fleet-orchestrator' })).toBe(true);
  });

  it('does not confuse another App or unknown ids with this one', () => {
    expect(isBotActor({ user: human, performed_via_github_app: { id: 5, slug: 'other' } }, { id: 99, slug: 'fleet' })).toBe(false);
    expect(isBotActor({ user: human, performed_via_github_app: { id: null } }, { id: null })).toBe(false);
    expect(isBotActor({ user: human, performed_via_github_app: { id: 5 } }, {})).toBe(false);
  });
});
