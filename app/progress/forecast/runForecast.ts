import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { FleetError } from '../../core/errors.js';
import { workFromRows } from './fromRows.js';
import { chunkCount, forecastRemaining, type ForecastCore, type ForecastOptions, type RemainingWork, type RunsPart } from './monteCarlo.js';
import { runsPartBuffers, type WorkerReply, type WorkerRequest, type WorkMessage } from './workerProtocol.js';
import { packWorkRows, type WorkRows } from './workRowsPacked.js';

/** Plans with more tasks than this are forecast on worker threads (the event loop keeps serving). */
export const WORKER_ABOVE_TASKS = 200;
/** An idle worker is kept this long for the next forecast, then ended. */
const IDLE_MS = 60_000;

/**
 * A worker thread failed or died: the server's state, not the request's fault, so a 503 (retry).
 * What went wrong is in `cause` (logged), not in the message a client reads.
 */
export class ForecastWorkerError extends FleetError {
  override readonly status: number = 503;
  override readonly code: string = 'unavailable';
  constructor(cause: unknown) {
    super('the forecast could not be computed now (its worker thread failed); retry in a moment', { cause });
  }
}

interface Job {
  request: WorkerRequest;
  transfer: ArrayBuffer[];
  resolve: (reply: WorkerReply) => void;
  reject: (err: Error) => void;
}

interface PooledWorker {
  worker: Worker;
  job: Job | null;
  idleTimer: NodeJS.Timeout | null;
}

/**
 * Worker threads kept between forecasts. Starting one costs far more than its share of a
 * forecast (about a second of CPU: under tsx it registers the loader and compiles the modules
 * again), so they stay, idle and unref'd (they never keep the process alive), until IDLE_MS
 * passes without work. A busy worker is ref'd: a script awaiting a forecast does not exit under it.
 */
const pool: PooledWorker[] = [];
const queue: Job[] = [];

function startWorker(): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? './forecastWorker.ts' : './forecastWorker.js', import.meta.url);
  // From TypeScript sources (tsx, tests) the worker first registers tsx's loader in itself.
  return fromSource
    ? new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`, { eval: true })
    : new Worker(entry);
}

function addWorker(): PooledWorker {
  const pw: PooledWorker = { worker: startWorker(), job: null, idleTimer: null };
  const fail = (err: Error): void => {
    const i = pool.indexOf(pw);
    if (i >= 0) pool.splice(i, 1);
    if (pw.idleTimer) clearTimeout(pw.idleTimer);
    const job = pw.job;
    pw.job = null;
    job?.reject(err);
    void pw.worker.terminate();
    dispatch();
  };
  pw.worker.on('message', (m: WorkerReply) => {
    const job = pw.job;
    pw.job = null;
    if (job) {
      if ('error' in m) job.reject(new ForecastWorkerError(new Error(m.error)));
      else job.resolve(m);
    }
    idle(pw);
    dispatch();
  });
  pw.worker.on('error', (err) => fail(new ForecastWorkerError(err)));
  pw.worker.on('exit', (code) => fail(new ForecastWorkerError(new Error(`forecast worker exited with code ${code}`))));
  pool.push(pw);
  return pw;
}

function idle(pw: PooledWorker): void {
  pw.worker.unref();
  if (pw.idleTimer) clearTimeout(pw.idleTimer);
  pw.idleTimer = setTimeout(() => {
    const i = pool.indexOf(pw);
    if (i >= 0 && pw.job === null) {
      pool.splice(i, 1);
      void pw.worker.terminate();
    }
  }, IDLE_MS);
  pw.idleTimer.unref();
}

let poolLimit = 1;

function dispatch(): void {
  while (queue.length > 0) {
    let pw = pool.find((w) => w.job === null);
    if (!pw && pool.length < poolLimit) pw = addWorker();
    if (!pw) return;
    const job = queue.shift()!;
    pw.job = job;
    if (pw.idleTimer) clearTimeout(pw.idleTimer);
    pw.idleTimer = null;
    pw.worker.ref();
    pw.worker.postMessage(job.request, job.transfer);
  }
}

function ask(request: WorkerRequest, transfer: ArrayBuffer[] = []): Promise<WorkerReply> {
  return new Promise<WorkerReply>((resolve, reject) => {
    queue.push({ request, transfer, resolve, reject });
    dispatch();
  });
}

let nextJob = 1;

/** Ends the kept workers (tests, shutdown); the next big forecast starts new ones. */
export async function closeForecastWorkers(): Promise<void> {
  const all = pool.splice(0);
  for (const pw of all) if (pw.idleTimer) clearTimeout(pw.idleTimer);
  await Promise.all(all.map((pw) => pw.worker.terminate()));
}

/** How many workers are kept now (for tests). */
export const forecastWorkerCount = (): number => pool.length;

/**
 * Runs the forecast inline for small plans. Big ones run wholly on worker threads (one per core,
 * at most `maxThreads`): each builds the remaining work from the rows and draws its chunks of
 * runs, and one of them summarises the draws, so the answer is the same as inline and the event
 * loop only packs the rows and posts messages. `source` is the database rows, or work already built.
 */
export async function runForecast(source: WorkRows | RemainingWork, opts: ForecastOptions, o: { workerAbove?: number; maxThreads?: number } = {}): Promise<ForecastCore> {
  const fromRows = 'rows' in source;
  const tasks = fromRows ? source.rows.length : source.graph.n;
  if (tasks <= (o.workerAbove ?? WORKER_ABOVE_TASKS)) return forecastRemaining(fromRows ? workFromRows(source.rows, source.deps, source.epics) : source, opts);
  const message: WorkMessage = fromRows ? { packed: packWorkRows(source) } : { work: source };
  const job = nextJob++;
  const chunks = chunkCount(opts.runs);
  const threads = Math.max(1, Math.min(chunks, o.maxThreads ?? 4, availableParallelism()));
  poolLimit = Math.max(poolLimit, threads);
  const lists: number[][] = Array.from({ length: threads }, () => []);
  for (let c = 0; c < chunks; c++) lists[c % threads]!.push(c);
  const replies = await Promise.all(lists.map((l) => ask({ op: 'draw', job, source: message, opts, chunks: l })));
  const parts = replies.map((r) => (r as { part: RunsPart }).part);
  const done = await ask({ op: 'summarise', job, source: message, opts, parts }, parts.flatMap(runsPartBuffers));
  return (done as { core: ForecastCore }).core;
}
