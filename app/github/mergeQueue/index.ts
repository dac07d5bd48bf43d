/** The merge queue (issue 7): ordering (pure), runner, GitHub calls, hooks for the app. */
export { orderMergeQueue, eligibility, engineCompare } from '../../core/mergeOrder.js';
export type { ChecksState, MergeDependency, MergeEligibility, MergeQueueInput, OrderedMergeEntry } from '../../core/mergeOrder.js';
export { createMergeQueue, mergeQueueEvents } from './hooks.js';
export type { MergeQueueEvents, MergeQueueService } from './hooks.js';
export { MergeQueueStore } from './store.js';
export type { EntryState, MergeQueueEntry, QueueMode } from './store.js';
export { MergeQueueRunner } from './runner.js';
