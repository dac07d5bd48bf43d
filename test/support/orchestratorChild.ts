import { startOrchestrator } from '../../app/server.js';

/**
 * An orchestrator as a process of its own, configured by its environment, so a fault run can
 * kill -9 it and start another. Prints one JSON line with its URL once it listens.
 */
const o = await startOrchestrator({ env: process.env });
process.stdout.write(`${JSON.stringify({ url: o.url })}\n`);
process.on('SIGTERM', () => {
  void o.close().finally(() => process.exit(0));
});
