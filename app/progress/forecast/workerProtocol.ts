import type { ForecastCore, ForecastOptions, RemainingWork, RunsPart } from './monteCarlo.js';
import type { PackedWorkRows } from './workRowsPacked.js';

// The messages between runForecast.ts and its worker threads (forecastWorker.ts).

/** What a worker builds the remaining work from: the database rows (packed), or the work itself. */
export type WorkMessage = { packed: PackedWorkRows } | { work: RemainingWork };

/** One request to a worker: draw some chunks of runs, or summarise every chunk's draws. */
export type WorkerRequest =
  | { op: 'draw'; job: number; source: WorkMessage; opts: ForecastOptions; chunks: number[] }
  | { op: 'summarise'; job: number; source: WorkMessage; opts: ForecastOptions; parts: RunsPart[] };

export type WorkerReply = { part: RunsPart } | { core: ForecastCore } | { error: string };

/** The buffers of some draws, handed over to (not copied into) the thread that receives them. */
export const runsPartBuffers = (part: RunsPart): ArrayBuffer[] => [part.makespans, part.crossings, part.finishSum, part.slackSum, part.criticalRuns].map((x) => x.buffer as ArrayBuffer);
