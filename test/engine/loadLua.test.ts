import { describe, expect, it } from 'vitest';
import { loadLua } from '../../app/queue/loadLua.js';

/**
 * The Redis scripts share their route rule through an include (app/queue/lua/includes); what Redis
 * runs is one self-contained script with the rule inlined once. How the rule routes is the queue
 * contract's (test/engine/queueContract.test.ts, both backends).
 */
describe('loadLua', () => {
  it.each(['claimNext', 'readyWindow'])('%s has the route rule inlined once and no include line left', (name) => {
    const lua = loadLua(name);
    expect(lua).not.toMatch(/@include/);
    expect(lua.match(/local function routeAllows\(route, pool, caps\)/g)).toHaveLength(1);
    expect(lua).toContain('routeAllows(route, pool, caps) then');
  });
});
