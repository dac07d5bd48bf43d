import { describe, expect, it } from 'vitest';
import { parseDependencies } from '../../app/plan/parse/parseDependencies.js';
import { readEpicHeading } from '../../app/plan/parse/planText.js';

/** Mutants a Stryker run of app/plan/parse left alive (test/mutation/SURVIVORS.md, phase 3). */
describe('plan parser edges', () => {
  it('does not split dependency text at a comma inside brackets, nor let a stray closer swallow the rest', () => {
    expect(parseDependencies('1.1 [see, also], 1.2').deps).toEqual([{ kind: 'task', key: '1.2' }]);
    expect(parseDependencies('1.1 [see, also], 1.2').problems).toHaveLength(1);
    expect(parseDependencies('1.1], 1.2').deps).toEqual([{ kind: 'task', key: '1.2' }]);
    expect(parseDependencies('1.1), 1.2').deps).toEqual([{ kind: 'task', key: '1.2' }]);
  });

  it('reads an epic heading with no space or several spaces around the number', () => {
    expect(readEpicHeading('Epic1: Title')).toEqual({ key: '1', rest: 'Title' });
    expect(readEpicHeading('Epic 4   Title')).toEqual({ key: '4', rest: 'Title' });
    expect(readEpicHeading('Epic  #5 Title')).toEqual({ key: '5', rest: 'Title' });
  });
});
