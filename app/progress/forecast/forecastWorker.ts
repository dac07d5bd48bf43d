import { parentPort } from 'node:worker_threads';
import { forecastRemaining, type ForecastOptions, type RemainingWork } from './monteCarlo.js';

/** Worker-thread entry: one forecast per message, so a big plan never blocks the event loop. */
parentPort?.on('message', (m: { id: number; work: RemainingWork; opts: ForecastOptions }) => {
  try {
    parentPort!.postMessage({ id: m.id, result: forecastRemaining(m.work, m.opts) });
  } catch (err) {
    parentPort!.postMessage({ id: m.id, error: (err as Error).message });
  }
});
