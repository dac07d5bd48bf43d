import { describe, expect, it } from 'vitest';
import { cleanInline, sanitizeUntrusted, stripInvisible } from '../../app/core/untrustedText.js';
import { isBotActor } from '../../app/core/botActor.js';

/**
 * Untrusted text and bot actors at their edges (found by mutation testing; the main cases are in
 * untrustedText.test.ts and botActor.test.ts).
 */
describe('untrusted text edges', () => {
  it('keeps tab, line feed and carriage return but removes the other C0 controls next to them', () => {
    expect(stripInvisible('a\tb\nc\rd\u0007e\u000bf\u007fg')).toBe('a\tb\nc\rdefg');
  });

  it('counts each removed character and comment', () => {
    expect(sanitizeUntrusted('\u200ba\u200bb\u200b<!--x-->c<!---->')).toEqual({ text: 'abc', invisible: 3, comments: 2 });
    expect(sanitizeUntrusted('plain')).toEqual({ text: 'plain', invisible: 0, comments: 0 });
  });

  it('folds every kind of line break and run of spaces into one space, and trims', () => {
    expect(cleanInline('  a\u2028b\u2029c\r\rd\t\t e  ')).toBe('a b c d e');
  });

  it('shortens to at most max characters, 200 by default, and keeps text of exactly max', () => {
    expect(cleanInline('abcde', 5)).toBe('abcde');
    expect(cleanInline('abcdef', 5)).toBe('abcd…');
    const long = cleanInline('y'.repeat(300));
    expect(long).toHaveLength(200);
    expect(long.endsWith('y…')).toBe(true);
    expect(cleanInline('y'.repeat(200))).toBe('y'.repeat(200));
  });
});

describe('bot actor edges', () => {
  const human = { login: 'octocat', type: 'User', id: 1 };

  it('never makes a bot of missing fields, and never fails on them', () => {
    expect(isBotActor({ user: { type: 'User' }, sender: { login: null, type: null } })).toBe(false);
    expect(isBotActor({ user: {}, sender: null, performed_via_github_app: {} }, { id: 99, slug: 'fleet' })).toBe(false);
    expect(isBotActor({ user: { id: 3 } }, { slug: 'fleet' })).toBe(false);
  });

  it("matches this App's login case-insensitively, and only this App's", () => {
    expect(isBotActor({ user: { login: 'Fleet' } }, { slug: 'fleet' })).toBe(true);
    expect(isBotActor({ sender: { login: 'fleet' } }, { slug: 'FLEET' })).toBe(true);
    expect(isBotActor({ user: { login: 'fleet-fan' } }, { slug: 'fleet' })).toBe(false);
    expect(isBotActor({ user: { login: 'fleet' } }, { slug: '' })).toBe(false);
  });

  it('an empty or missing id is unknown, never a match', () => {
    expect(isBotActor({ user: human, performed_via_github_app: { id: '' } }, { id: '' })).toBe(false);
    expect(isBotActor({ user: human, performed_via_github_app: { id: 5 } }, { id: 6, slug: 'fleet' })).toBe(false);
    expect(isBotActor({ user: human, performed_via_github_app: { slug: 'fleet' } }, { id: 99 })).toBe(false);
  });

  it('a type of Bot in any case, not a type that merely contains it', () => {
    expect(isBotActor({ sender: { login: 'x', type: 'BOT' } })).toBe(true);
    expect(isBotActor({ sender: { login: 'x', type: 'Robot' } })).toBe(false);
    expect(isBotActor({ sender: { login: 'bot-lover', type: 'User' } })).toBe(false);
  });
});
