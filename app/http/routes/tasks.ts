import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../buildApi.js';
import { parseInput } from '../validate.js';
import { AssignmentProgressBody, ReadyListQuery, TaskGetQuery, TaskGitBody, TaskIdParam, TaskListQuery } from '../../../schema/api.js';
import { requireActor, requireRead } from '../principal.js';
import { assignmentJson, taskJson } from '../serialize.js';
import { NotFoundError } from '../../core/errors.js';
import { assertTaskInScope, projectFor } from '../authorize.js';
import { assertReadable, readProject } from '../readScope.js';
import { taskDependencies } from '../sql/taskDependencies.js';

export async function taskRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { engine } = deps;

  app.get('/api/tasks', async (req) => {
    requireRead(req, deps.publicRead);
    const q = parseInput(TaskListQuery, req.query, 'query');
    const projectId = (await readProject(req, q.project, deps.projectId)) ?? undefined;
    const tasks = await engine.listTasks({
      ...(projectId !== undefined ? { projectId } : {}),
      ...(q.status ? { status: q.status } : {}),
      ...(q.epic ? { epicKey: q.epic } : {}),
      ...(q.limit ? { limit: q.limit } : {}),
      ...(q.offset ? { offset: q.offset } : {}),
    });
    return { tasks: tasks.map(taskJson) };
  });

  app.get('/api/tasks/ready/list', async (req) => {
    requireRead(req, deps.publicRead);
    const q = parseInput(ReadyListQuery, req.query, 'query');
    const projectId = (await readProject(req, q.project, deps.projectId)) ?? undefined;
    const tasks = await engine.listReady(
      {
        ...(q.pool ? { pool: q.pool, capabilities: q.capabilities ? q.capabilities.split(',').map((s) => s.trim()).filter(Boolean) : [] } : {}),
        ...(projectId !== undefined ? { projectId } : {}),
      },
      q.limit ?? 500,
    );
    return { tasks: tasks.map(taskJson) };
  });

  app.get('/api/tasks/:id', async (req) => {
    requireRead(req, deps.publicRead);
    const { id } = parseInput(TaskIdParam, req.params, 'path');
    // A key several projects share answers 409 naming ?project=owner/repo: honour it here. A
    // confined token looks keys up in its own project (naming another is a 403).
    const q = parseInput(TaskGetQuery, req.query, 'query');
    const projectId = (await readProject(req, q.project, deps.projectId)) ?? undefined;
    const task = await engine.getTask(id, projectId);
    // By id, a task of another project is no business of a confined token.
    assertReadable(req, task.projectId, `task ${task.key}`);
    return { task: { ...taskJson(task), dependencies: await taskDependencies(deps.db, task.id) } };
  });

  // The old system's path: progress on a task goes to its active assignment.
  app.patch('/api/tasks/:id/progress', async (req) => {
    const actor = requireActor(req);
    const { id } = parseInput(TaskIdParam, req.params, 'path');
    const body = parseInput(AssignmentProgressBody, req.body, 'body');
    const task = await engine.getTask(id, await projectFor(actor, undefined, deps.projectId));
    assertTaskInScope(actor, task);
    const active = (await engine.listAssignments({ status: 'active', taskId: task.id }))[0];
    if (!active) throw new NotFoundError(`task ${task.key} has no active assignment; claim it first`);
    const out = await engine.reportProgress(
      active.id,
      { epoch: body.epoch, percentComplete: body.percent_complete, status: body.status, notes: body.notes },
      actor,
    );
    return { task: taskJson(out.task), assignment: assignmentJson(out.assignment) };
  });

  app.patch('/api/tasks/:id/git', async (req) => {
    const actor = requireActor(req);
    const { id } = parseInput(TaskIdParam, req.params, 'path');
    const body = parseInput(TaskGitBody, req.body, 'body');
    const task = await engine.getTask(id, await projectFor(actor, undefined, deps.projectId));
    assertTaskInScope(actor, task);
    const updated = await engine.setGit(task.id, { epoch: body.epoch, branch: body.branch, prNumber: body.pr_number, prUrl: body.pr_url }, actor);
    return { task: taskJson(updated) };
  });
}
