import { describe, expect, it } from 'vitest';
import { budgetLeft, exhaustedBudgets, handOutDecision, runningDecision } from '../../app/core/budgets.js';

/** Which budget is spent, and what that means before hand-out and while running. */
describe('budgets', () => {
  const budgets = { perTaskUsd: 5, perEpicUsd: 20, perDayUsd: 50, perTaskMinutes: 60 };

  it('hands out while every budget has something left', () => {
    expect(handOutDecision(budgets, { taskUsd: 4.99, epicUsd: 19.99, dayUsd: 49.99, taskMinutes: 59.9 })).toEqual({ ok: true });
    expect(handOutDecision({}, { taskUsd: 1e9, dayUsd: 1e9 })).toEqual({ ok: true });
    expect(runningDecision(budgets, {})).toEqual({ stop: false });
  });

  it.each([
    ['task', { taskUsd: 5 }, 'task budget $5.00 spent ($5.00)'],
    ['epic', { epicUsd: 20.5 }, 'epic budget $20.00 spent ($20.50)'],
    ['day', { dayUsd: 51 }, 'daily budget $50.00 spent ($51.00)'],
    ['task_minutes', { taskMinutes: 61.26 }, 'task time budget 60 min spent (61.3 min)'],
  ] as const)('holds a task whose %s budget is spent', (scope, spend, message) => {
    const d = handOutDecision(budgets, spend);
    expect(d).toMatchObject({ ok: false, hold: 'budget', message });
    expect(!d.ok && d.exhausted.map((e) => e.scope)).toEqual([scope]);
    expect(runningDecision(budgets, spend)).toMatchObject({ stop: true, reason: 'budget', message });
  });

  it('names every spent budget, in task, epic, day, minutes order', () => {
    expect(exhaustedBudgets(budgets, { taskUsd: 6, epicUsd: 25, dayUsd: 60, taskMinutes: 90 }).map((e) => e.scope)).toEqual(['task', 'epic', 'day', 'task_minutes']);
  });

  it('treats budgets that are not set as unlimited, and bad sums as nothing spent', () => {
    expect(exhaustedBudgets({ perDayUsd: 10 }, { taskUsd: 100, epicUsd: 100, dayUsd: 9 })).toEqual([]);
    expect(exhaustedBudgets(budgets, { taskUsd: Number.NaN, dayUsd: -5 })).toEqual([]);
    expect(exhaustedBudgets({ perTaskUsd: Number.NaN }, { taskUsd: 100 })).toEqual([]);
    // A zero budget allows nothing.
    expect(exhaustedBudgets({ perTaskUsd: 0 }, {}).map((e) => e.scope)).toEqual(['task']);
  });

  it('reports what is left of each set budget, never below zero', () => {
    expect(budgetLeft({ perTaskUsd: 5, perDayUsd: 50 }, { taskUsd: 7, dayUsd: 12.5 })).toEqual({ task: 0, day: 37.5 });
    expect(budgetLeft({}, { taskUsd: 7 })).toEqual({});
  });
});
