import type { Queryable } from '../../store/db.js';

export interface BranchRow {
  task_id: number;
  key: string;
  title: string;
  status: string;
  branch: string | null;
  pr_number: number | null;
  project: string;
  updated_at: Date;
  commit_sha: string | null;
  commit_url: string | null;
  commit_at: Date | null;
  pr_url: string | null;
}

/** Tasks with a branch or a pull request, latest change first, with their last commit and PR URL. */
export async function listBranches(db: Queryable, projectId: number | null, limit: number): Promise<BranchRow[]> {
  const { rows } = await db.query<BranchRow>(
    `SELECT t.id AS task_id, t.key, t.title, t.status, t.branch, t.pr_number, p.owner || '/' || p.repo AS project, t.updated_at,
            c.ref AS commit_sha, c.url AS commit_url, c.created_at AS commit_at, COALESCE(pr.url, t.pr_url) AS pr_url
     FROM tasks t JOIN projects p ON p.id = t.project_id
     LEFT JOIN LATERAL (SELECT ref, url, created_at FROM evidence v WHERE v.task_id = t.id AND v.type = 'commit' ORDER BY created_at DESC, id DESC LIMIT 1) c ON true
     LEFT JOIN LATERAL (SELECT url FROM evidence v WHERE v.task_id = t.id AND v.type = 'pr' ORDER BY created_at DESC, id DESC LIMIT 1) pr ON true
     WHERE (t.branch IS NOT NULL OR t.pr_number IS NOT NULL) AND ($1::bigint IS NULL OR t.project_id = $1)
     ORDER BY t.updated_at DESC, t.id DESC LIMIT $2`,
    [projectId, limit],
  );
  return rows;
}
