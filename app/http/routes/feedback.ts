import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../buildApi.js';
import { parseInput } from '../validate.js';
import { TaskFeedbackQuery, TaskIdParam } from '../../../schema/api.js';
import { requireRead } from '../principal.js';
import { feedbackJson } from '../serialize.js';
import { assertReadable, readProject } from '../readScope.js';
import { listFeedback } from '../../feedback/sql/listFeedback.js';

/** GET /api/tasks/:id/feedback: what the task's PR was told, every round, oldest first (#14). */
export async function feedbackRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  app.get('/api/tasks/:id/feedback', async (req) => {
    requireRead(req, deps.publicRead);
    const { id } = parseInput(TaskIdParam, req.params, 'path');
    const q = parseInput(TaskFeedbackQuery, req.query, 'query');
    const projectId = (await readProject(req, q.project, deps.projectId)) ?? undefined;
    const task = await deps.engine.getTask(id, projectId);
    assertReadable(req, task.projectId, `task ${task.key}`);
    return { feedback: (await listFeedback(deps.db, task.id)).map(feedbackJson) };
  });
}
