import { describe, expect, it } from 'vitest';
import { isBotActor } from '../../app/core/botActor.js';

/**
 * "A missing field never makes an actor a bot" (app/core/botActor.ts), taken literally: when this
 * App's id is not known (null, undefined or ''), no id on the App a comment came through matches
 * it, not even one that spells the missing value ("null", "undefined"). The payload field is
 * attacker-shaped text as far as this pure function knows. Found by mutation testing: turning
 * any one of the three "not known" checks off made String(null) or String(undefined) the id.
 */
describe('isBotActor with this App\'s id unknown', () => {
  const human = { login: 'octocat', type: 'User' };

  it('matches no via-App id when its own id is null, undefined or empty', () => {
    for (const own of [{ id: null }, { id: undefined }, {}, { id: '' }]) {
      for (const viaId of ['null', 'undefined', '', 0, 'NaN']) {
        expect(isBotActor({ user: human, performed_via_github_app: { id: viaId } }, own)).toBe(false);
      }
    }
  });

  it('matches no own id with a via App that has no id, whatever the own id is spelled', () => {
    for (const via of [{ id: null }, { id: undefined }, {}]) {
      for (const ownId of ['null', 'undefined', 7]) {
        expect(isBotActor({ user: human, performed_via_github_app: via }, { id: ownId })).toBe(false);
      }
    }
  });

  it('still matches a via-App id equal to its known own id, a number against a string', () => {
    expect(isBotActor({ user: human, performed_via_github_app: { id: 7 } }, { id: '7' })).toBe(true);
  });
});
