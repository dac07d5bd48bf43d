import { parentPort } from 'node:worker_threads';
import { drawRuns, type ForecastOptions, type RemainingWork } from './monteCarlo.js';

/** Worker-thread entry: draws the chunks of runs it is given, so a big plan never blocks the event loop. */
parentPort?.on('message', (m: { work: RemainingWork; opts: ForecastOptions; chunks: number[] }) => {
  try {
    const part = drawRuns(m.work, m.opts, m.chunks);
    parentPort!.postMessage({ part }, [part.makespans.buffer as ArrayBuffer, part.crossings.buffer as ArrayBuffer, part.finishSum.buffer as ArrayBuffer]);
  } catch (err) {
    parentPort!.postMessage({ error: (err as Error).message });
  }
});
