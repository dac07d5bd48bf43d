import { createServer, request, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ProxiedRequest {
  method: string;
  path: string;
  status: number;
  body: string;
}

/**
 * An HTTP reverse proxy on 127.0.0.1 in front of the orchestrator that the test can take down
 * (the port refuses connections) and bring back on the same port: "orchestrator unreachable".
 */
export interface FlakyProxy {
  url: string;
  log: ProxiedRequest[];
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startFlakyProxy(target: string): Promise<FlakyProxy> {
  const t = new URL(target);
  const sockets = new Set<Socket>();
  const log: ProxiedRequest[] = [];
  let port = 0;
  let server: Server;

  const make = () => {
    const s = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        const up = request(
          { host: t.hostname, port: t.port, method: req.method, path: req.url, headers: { ...req.headers, host: t.host } },
          (r) => {
            log.push({ method: req.method ?? '', path: req.url ?? '', status: r.statusCode ?? 0, body });
            res.writeHead(r.statusCode ?? 502, r.headers);
            r.pipe(res);
          },
        );
        up.on('error', () => {
          res.writeHead(502);
          res.end();
        });
        up.end(body);
      });
    });
    s.on('connection', (sock: Socket) => {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
    });
    return s;
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = make();
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });

  await listen();
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    down: stop,
    up: listen,
    close: stop,
  };
}
