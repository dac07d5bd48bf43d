import type { Queryable } from '../../../store/db.js';

const SQL = `INSERT INTO github_command_replies (project_id, issue_number, login, delivery_id) VALUES ($1, $2, $3, $4)
ON CONFLICT (project_id, issue_number, login) DO UPDATE SET delivery_id = EXCLUDED.delivery_id, replied_at = now()
WHERE github_command_replies.replied_at <= now() - make_interval(secs => $5)
   OR github_command_replies.delivery_id = EXCLUDED.delivery_id
RETURNING delivery_id`;

/** The right to explain a refusal to `login` on an issue, at most once per window (and again for the same delivery). */
export async function claimReplySlot(q: Queryable, projectId: number, issueNumber: number, login: string, deliveryId: string, windowSeconds: number): Promise<boolean> {
  const { rows } = await q.query(SQL, [projectId, issueNumber, login.toLowerCase(), deliveryId, windowSeconds]);
  return rows.length > 0;
}
