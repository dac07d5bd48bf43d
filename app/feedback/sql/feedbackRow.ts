import type { FeedbackFile, FeedbackItem, FeedbackKind } from '../types.js';

export const FEEDBACK_COLUMNS = `id, task_id, kind, source, author, url, text, files, round, created_at`;

export interface FeedbackRow {
  id: number | string;
  task_id: number | string;
  kind: string;
  source: string;
  author: string | null;
  url: string | null;
  text: string;
  files: unknown;
  round: number;
  created_at: Date;
}

export function mapFeedback(r: FeedbackRow): FeedbackItem {
  return {
    id: Number(r.id),
    taskId: Number(r.task_id),
    kind: r.kind as FeedbackKind,
    source: r.source,
    author: r.author,
    url: r.url,
    text: r.text,
    files: Array.isArray(r.files) ? (r.files as FeedbackFile[]) : [],
    round: r.round,
    createdAt: new Date(r.created_at),
  };
}
