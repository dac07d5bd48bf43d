/**
 * The hidden marker that ties a GitHub issue or pull request body to a plan item: plan sync
 * writes it into the issues it manages, the Action into the pull requests it opens, and the app
 * reads it back from both. One definition, so writer and reader cannot drift apart.
 */
export interface Marker {
  kind: 'task' | 'epic';
  key: string;
}

const MARKER = /<!--\s*fleet:(task|epic)=([^\s>]{1,100})\s*-->/;

/** `<!-- fleet:task=1.2 -->` */
export const taskMarker = (key: string): string => `<!-- fleet:task=${key} -->`;
/** `<!-- fleet:epic=1 -->` */
export const epicMarker = (key: string): string => `<!-- fleet:epic=${key} -->`;

/** The first marker in a body; null when there is none. */
export function readMarker(body: string | null | undefined): Marker | null {
  const m = MARKER.exec(body ?? '');
  return m ? { kind: m[1] as Marker['kind'], key: m[2]! } : null;
}
