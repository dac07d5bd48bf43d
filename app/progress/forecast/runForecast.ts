import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { chunkCount, forecastRemaining, summariseRuns, type ForecastCore, type ForecastOptions, type RemainingWork, type RunsPart } from './monteCarlo.js';

/** Plans with more tasks than this are forecast on worker threads (the event loop keeps serving). */
export const WORKER_ABOVE_TASKS = 200;

export class ForecastWorkerError extends Error {}

function startWorker(): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? './forecastWorker.ts' : './forecastWorker.js', import.meta.url);
  // From TypeScript sources (tsx, tests) the worker first registers tsx's loader in itself.
  return fromSource
    ? new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`, { eval: true })
    : new Worker(entry);
}

function draw(work: RemainingWork, opts: ForecastOptions, chunks: number[]): Promise<RunsPart> {
  const worker = startWorker();
  return new Promise<RunsPart>((resolve, reject) => {
    worker.once('message', (m: { part?: RunsPart; error?: string }) =>
      m.error !== undefined ? reject(new ForecastWorkerError(`forecast worker failed: ${m.error}`)) : resolve(m.part!),
    );
    worker.once('error', (err) => reject(new ForecastWorkerError('forecast worker crashed', { cause: err })));
    worker.once('exit', (code) => reject(new ForecastWorkerError(`forecast worker exited with code ${code}`)));
    worker.postMessage({ work, opts, chunks });
  }).finally(() => void worker.terminate());
}

/**
 * Runs the forecast inline for small plans; big ones are drawn on short-lived worker threads (one
 * per core, at most `maxThreads`), chunk by chunk, so the answer is the same as inline.
 */
export async function runForecast(work: RemainingWork, opts: ForecastOptions, o: { workerAbove?: number; maxThreads?: number } = {}): Promise<ForecastCore> {
  if (work.graph.n <= (o.workerAbove ?? WORKER_ABOVE_TASKS)) return forecastRemaining(work, opts);
  const chunks = chunkCount(opts.runs);
  const threads = Math.max(1, Math.min(chunks, o.maxThreads ?? 4, availableParallelism()));
  const lists: number[][] = Array.from({ length: threads }, () => []);
  for (let c = 0; c < chunks; c++) lists[c % threads]!.push(c);
  const parts = await Promise.all(lists.map((l) => draw(work, opts, l)));
  return summariseRuns(work, opts, parts);
}
