import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineHarness, type EngineHarness } from '../support/engine.js';
import { NotFoundError } from '../../app/core/errors.js';

/** Issue 13 (engine survivors): an admin activates a deactivated agent again; an unknown id is a 404. */
describe('agent activation', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await engineHarness('agentActivation', 'postgres');
  });
  afterAll(() => h.cleanup());

  it('activating a deactivated agent makes it active again, with its settings kept', async () => {
    const a = await h.engine.heartbeatAgent({ name: 'again', pool: 'linux', labels: ['x'], capacity: 3 });
    await h.engine.deactivateAgent(a.id);
    const back = await h.engine.activateAgent(a.id);
    expect(back).toMatchObject({ id: a.id, name: 'again', pool: 'linux', labels: ['x'], capacity: 3, active: true });
    expect((await h.engine.getAgent(a.id)).active).toBe(true);
  });

  it('activating an agent that does not exist is a 404 naming the id', async () => {
    const err = await h.engine.activateAgent(424_242).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toBe('no agent with id 424242');
  });
});
