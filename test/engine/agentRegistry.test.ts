import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineHarness, prime, type EngineHarness } from '../support/engine.js';
import { insertProject } from '../support/fixtures.js';
import type { EngineEvent } from '../../app/engine/types.js';

/**
 * Issue 13 (engine survivors): what an agent heartbeat, a pool agent and a deactivation write
 * and announce, and the name lookup (exact, else case-insensitive when unambiguous).
 */
describe('agent registry: heartbeats, pool agents, deactivation and lookup by name', () => {
  let h: EngineHarness;
  let seq = 0;
  beforeAll(async () => {
    h = await engineHarness('agentRegistry', 'postgres');
  });
  afterAll(() => h.cleanup());

  it('a heartbeat records the time and the kind, and announces the agent', async () => {
    const seen: EngineEvent[] = [];
    const off = h.events.subscribe((e) => seen.push(e));
    const a = await h.engine.heartbeatAgent({ name: 'hb-vm', pool: 'linux', labels: ['gpu'], capacity: 2, kind: 'vm' });
    off();
    expect(a).toMatchObject({ name: 'hb-vm', pool: 'linux', labels: ['gpu'], capacity: 2, kind: 'vm', active: true, leases: [] });
    expect(a.lastHeartbeatAt).toBeInstanceOf(Date);
    expect((await h.engine.getAgent(a.id)).lastHeartbeatAt).toEqual(a.lastHeartbeatAt);
    const hb = seen.filter((e) => e.type === 'agent.heartbeat');
    expect(hb).toHaveLength(1);
    expect(hb[0]!.data).toEqual({ agent_id: a.id, name: 'hb-vm', at: a.lastHeartbeatAt });
    // A heartbeat that does not state the kind keeps it.
    expect((await h.engine.heartbeatAgent({ name: 'hb-vm' })).kind).toBe('vm');
  });

  it("a pool agent keeps the pool's capabilities and is not a heartbeat", async () => {
    const p = await h.engine.poolAgent({ name: 'gpu-pool', capabilities: ['cuda', 'linux'], capacity: 4 });
    expect(p).toMatchObject({ name: 'pool/gpu-pool', pool: 'gpu-pool', labels: ['cuda', 'linux'], capacity: 4 });
    expect(p.lastHeartbeatAt).toBeNull();
    // A job naming only the pool changes neither its capabilities nor its capacity.
    const again = await h.engine.poolAgent({ name: 'gpu-pool' });
    expect(again).toMatchObject({ id: p.id, labels: ['cuda', 'linux'], capacity: 4 });
    expect(again.lastHeartbeatAt).toBeNull();
  });

  it("deactivating an agent releases its own tasks only, says why, and answers with the agent inactive", async () => {
    const proj = await insertProject(h.t.db, [{ key: '1.1' }, { key: '1.2' }], `acme/agents-${++seq}`);
    await prime(h.engine);
    const a = await h.engine.heartbeatAgent({ name: 'deact-a' });
    const b = await h.engine.heartbeatAgent({ name: 'deact-b' });
    const ca = (await h.engine.claim(a.id, { projectId: proj.projectId }))!;
    const cb = (await h.engine.claim(b.id, { projectId: proj.projectId }))!;
    expect(ca).not.toBeNull();
    expect(cb).not.toBeNull();
    const out = await h.engine.deactivateAgent(a.id);
    expect(out).toMatchObject({ id: a.id, name: 'deact-a', active: false });
    expect((await h.engine.getAgent(a.id)).active).toBe(false);
    const ended = await h.engine.getAssignment(ca.assignment.id);
    expect(ended).toMatchObject({ status: 'released', endReason: 'agent deact-a deactivated' });
    // The other agent's lease is untouched.
    expect((await h.engine.getAssignment(cb.assignment.id)).status).toBe('active');
  });

  it('agentNamed: the exact name first, else the one name that matches ignoring case, else none', async () => {
    const exact = await h.engine.heartbeatAgent({ name: 'Runner-One' });
    const lower = await h.engine.heartbeatAgent({ name: 'runner-one' });
    const solo = await h.engine.heartbeatAgent({ name: 'Solo-Runner' });
    expect((await h.engine.agentNamed('Runner-One'))?.id).toBe(exact.id);
    expect((await h.engine.agentNamed('runner-one'))?.id).toBe(lower.id);
    // Two agents fold to "RUNNER-ONE": ambiguous, so none.
    expect(await h.engine.agentNamed('RUNNER-ONE')).toBeUndefined();
    expect((await h.engine.agentNamed('solo-runner'))?.id).toBe(solo.id);
    expect((await h.engine.agentNamed('SOLO-RUNNER'))?.id).toBe(solo.id);
    expect(await h.engine.agentNamed('nobody')).toBeUndefined();
  });
});
