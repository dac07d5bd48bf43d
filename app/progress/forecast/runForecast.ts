import { Worker } from 'node:worker_threads';
import { forecastRemaining, type ForecastCore, type ForecastOptions, type RemainingWork } from './monteCarlo.js';

/** Plans with more tasks than this are forecast on a worker thread (the event loop keeps serving). */
export const WORKER_ABOVE_TASKS = 200;

export class ForecastWorkerError extends Error {}

/**
 * Runs the forecast inline for small plans and on a short-lived worker thread for big ones.
 * From TypeScript sources (tsx, tests) the worker loads them through tsx as well.
 */
export async function runForecast(work: RemainingWork, opts: ForecastOptions, o: { workerAbove?: number } = {}): Promise<ForecastCore> {
  if (work.graph.n <= (o.workerAbove ?? WORKER_ABOVE_TASKS)) return forecastRemaining(work, opts);
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? './forecastWorker.ts' : './forecastWorker.js', import.meta.url);
  // From TypeScript sources (tsx, tests) the worker first registers tsx's loader in itself.
  const worker = fromSource
    ? new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`, { eval: true })
    : new Worker(entry);
  try {
    return await new Promise<ForecastCore>((resolve, reject) => {
      worker.once('message', (m: { result?: ForecastCore; error?: string }) =>
        m.error !== undefined ? reject(new ForecastWorkerError(`forecast worker failed: ${m.error}`)) : resolve(m.result!),
      );
      worker.once('error', (err) => reject(new ForecastWorkerError('forecast worker crashed', { cause: err })));
      worker.once('exit', (code) => reject(new ForecastWorkerError(`forecast worker exited with code ${code}`)));
      worker.postMessage({ id: 1, work, opts });
    });
  } finally {
    void worker.terminate();
  }
}
