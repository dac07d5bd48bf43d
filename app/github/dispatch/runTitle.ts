/**
 * The agent workflow names its run (`run-name`) and its job `fleet task=<key> epoch=<n>`, so a run
 * can be matched to its task before its id is recorded. An empty key (a run that claims for
 * itself: `fleet task= epoch=`) matches nothing.
 */
export function parseRunTitle(title: unknown): { key: string; epoch: number | null } | null {
  if (typeof title !== 'string') return null;
  const m = /\bfleet\b.*?\btask\s*[=:]\s*([A-Za-z0-9._-]{1,100})(?![A-Za-z0-9._=:-])(?:.*?\bepoch\s*[=:]\s*(\d{1,15})\b)?/i.exec(title.slice(0, 500));
  return m ? { key: m[1]!, epoch: m[2] ? Number(m[2]) : null } : null;
}
