import { describe, expect, it } from 'vitest';
import { packWorkRows, unpackWorkRows, type WorkRows } from '../../app/progress/forecast/workRowsPacked.js';

describe('the rows a worker thread builds the forecast from', () => {
  it('arrive as they left: statuses, percents, keys, and null ids in dependencies', () => {
    const w: WorkRows = {
      rows: [
        { id: 7, key: '1.1', epicId: 3, hours: 2.5, status: 'in_progress', percent: 40, priority: 2 },
        { id: 9, key: 'épic "x"\n2', epicId: 0, hours: 0, status: 'pending', percent: 0, priority: 1 },
        { id: 12, key: '2.1', epicId: 4, hours: 8, status: 'in_review', percent: 100, priority: 3 },
      ],
      deps: [
        { taskId: 9, epicId: null, dependsOnTaskId: 7, dependsOnEpicId: null, thresholdPercent: 100 },
        { taskId: null, epicId: 4, dependsOnTaskId: null, dependsOnEpicId: 3, thresholdPercent: 50 },
      ],
      epics: [
        { id: 3, hoursTotal: 10.5, hoursDone: 8, tasksTotal: 3, tasksDone: 2 },
        { id: 4, hoursTotal: 8, hoursDone: 0, tasksTotal: 1, tasksDone: 0 },
      ],
    };
    const packed = packWorkRows(w);
    // Flat arrays and strings only: nothing per row for structured cloning to walk.
    for (const v of Object.values(packed)) expect(typeof v === 'string' || v instanceof Float64Array).toBe(true);
    expect(unpackWorkRows(structuredClone(packed))).toEqual(w);
  });

  it('keeps an empty project empty', () => {
    expect(unpackWorkRows(packWorkRows({ rows: [], deps: [], epics: [] }))).toEqual({ rows: [], deps: [], epics: [] });
  });
});
