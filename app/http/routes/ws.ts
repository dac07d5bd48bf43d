import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../buildApi.js';
import { requireRead } from '../principal.js';

/** GET /ws: engine events as JSON {type, data, at}, authenticated like the API. */
export async function wsRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  app.get('/ws', { websocket: true }, (socket, req) => {
    try {
      requireRead(req, deps.publicRead);
    } catch {
      socket.close(4401, 'unauthorized: offer the subprotocols "fleet.v1" and "bearer.<token>"');
      return;
    }
    const off = deps.engine.events.subscribe((e) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(e));
    });
    socket.on('close', off);
    socket.on('error', off);
    // Clients only listen; anything they send is ignored.
    socket.on('message', () => undefined);
    socket.send(JSON.stringify({ type: 'hello', data: { queue: deps.engine.queueKind }, at: new Date().toISOString() }));
  });
}
