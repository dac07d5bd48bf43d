import type { PlanResult } from '../../../schema/plan.js';
import { markdownBlocks } from './markdownBlocks.js';
import { readPlanDocument } from './readPlanDocument.js';
import { buildPlan } from './buildPlan.js';

/**
 * Reads a remediation plan written in markdown. Pure and total: any text gives a result, with
 * every problem listed as an error or warning carrying its line; it never throws.
 */
export function parsePlan(text: string, file = '<plan>'): PlanResult {
  try {
    // A byte-order mark or stray NULs would otherwise shift what the markdown parser sees. Markdown
    // ends a line at CR too, but the plan reader splits code and paragraphs at LF: one ending for all.
    const clean = text.replace(/^\uFEFF/, '').replaceAll('\u0000', '\uFFFD').replace(/\r\n?/g, '\n');
    return { file, ...buildPlan(readPlanDocument(markdownBlocks(clean))) };
  } catch (err) {
    // Only a bug can get here; the user still gets a located answer instead of a stack trace.
    const message = err instanceof Error ? err.message : String(err);
    return {
      file,
      epics: [],
      tasks: [],
      totals: { epics: 0, tasks: 0, hours: 0, declaredHours: null },
      warnings: [],
      errors: [{ line: 1, message: `internal error while reading the plan (please report it): ${message}` }],
    };
  }
}
