import { describe, expect, it } from 'vitest';
import { handOutGate, heartbeatStop } from '../../app/core/guardDecisions.js';

/** Hand-out and heartbeat decisions: pause (both modes), open circuits, budgets, explicit stops. */
const open = { paused: false, budgets: { perTaskUsd: 5 }, spend: { taskUsd: 1 }, circuitAllowance: Number.POSITIVE_INFINITY };
const running = { stopRequested: false, paused: false, pauseMode: 'drain' as const, budgets: { perTaskUsd: 5 }, spend: { taskUsd: 1 } };

describe('handOutGate', () => {
  it('hands out when nothing holds the task', () => {
    expect(handOutGate(open)).toEqual({ ok: true });
  });

  it('holds for a pause, an open circuit, then a spent budget, in that order', () => {
    expect(handOutGate({ ...open, paused: true, circuitAllowance: 0, spend: { taskUsd: 9 } })).toMatchObject({ ok: false, hold: 'paused' });
    expect(handOutGate({ ...open, circuitAllowance: 0, spend: { taskUsd: 9 } })).toMatchObject({ ok: false, hold: 'circuit_open' });
    expect(handOutGate({ ...open, spend: { taskUsd: 9 } })).toMatchObject({ ok: false, hold: 'budget', message: 'task budget $5.00 spent ($9.00)' });
  });
});

describe('heartbeatStop', () => {
  it('lets a running task go on while nothing says stop; drain pauses let it finish', () => {
    expect(heartbeatStop(running)).toEqual({ stop: false });
    expect(heartbeatStop({ ...running, paused: true, pauseMode: 'drain' })).toEqual({ stop: false });
  });

  it('stops on /fleet stop, on a pause in stop mode, and on a spent budget', () => {
    expect(heartbeatStop({ ...running, stopRequested: true, paused: true, pauseMode: 'stop' })).toMatchObject({ stop: true, reason: 'stopped' });
    expect(heartbeatStop({ ...running, paused: true, pauseMode: 'stop' })).toEqual({ stop: true, reason: 'paused', message: 'the project was paused with pause: stop' });
    expect(heartbeatStop({ ...running, spend: { taskUsd: 5 } })).toEqual({ stop: true, reason: 'budget', message: 'task budget $5.00 spent ($5.00)' });
    expect(heartbeatStop({ ...running, paused: true, spend: { dayUsd: 1 }, budgets: { perDayUsd: 1 } })).toMatchObject({ stop: true, reason: 'budget' });
  });
});
