import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../buildApi.js';
import type { EngineEvent } from '../../engine/types.js';
import { requireRead } from '../principal.js';
import { readProject } from '../readScope.js';
import { projectEventFilter } from '../eventScope.js';

/**
 * GET /ws: engine events as JSON {type, data, at}, authenticated like the API. A token confined
 * to one project receives that project's events only (issue 10), in the order they happened.
 */
export async function wsRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  app.get('/ws', { websocket: true }, async (socket, req) => {
    try {
      requireRead(req, deps.publicRead);
    } catch {
      socket.close(4401, 'unauthorized: offer the subprotocols "fleet.v1" and "bearer.<token>"');
      return;
    }
    let projectId: number | null;
    try {
      projectId = await readProject(req, undefined, deps.projectId);
    } catch {
      // A confined token whose project is not here yet: there is nothing it may see.
      socket.close(4404, "not found: this token's project has no plan here yet");
      return;
    }
    const send = (e: EngineEvent) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(e));
    };
    const filter = projectId === null ? null : projectEventFilter(deps.db, projectId);
    let queue: Promise<void> = Promise.resolve();
    const off = deps.engine.events.subscribe((e) => {
      if (!filter) return send(e);
      // Filtering may read the database: chained, so events keep their order.
      queue = queue
        .then(() => filter(e))
        .then((out) => {
          if (out) send(out);
        })
        .catch(() => undefined);
    });
    socket.on('close', off);
    socket.on('error', off);
    // Clients only listen; anything they send is ignored.
    socket.on('message', () => undefined);
    socket.send(JSON.stringify({ type: 'hello', data: { queue: deps.engine.queueKind }, at: new Date().toISOString() }));
  });
}
