import { parentPort } from 'node:worker_threads';
import { workFromRows } from './fromRows.js';
import { drawRuns, summariseRuns, type RemainingWork } from './monteCarlo.js';
import { runsPartBuffers, type WorkerReply, type WorkerRequest, type WorkMessage } from './workerProtocol.js';
import { unpackWorkRows } from './workRowsPacked.js';
import { describeError } from '../../core/describeError.js';

/**
 * Worker-thread entry: builds the remaining work, draws the chunks of runs it is given, and
 * summarises every chunk's draws, so a big plan never blocks the event loop. The work of the
 * last job is kept: the same thread is often asked to summarise what it drew.
 */
let last: { job: number; work: RemainingWork } | null = null;

function workOf(job: number, source: WorkMessage): RemainingWork {
  if (last?.job === job) return last.work;
  let work: RemainingWork;
  if ('work' in source) work = source.work;
  else {
    const w = unpackWorkRows(source.packed);
    work = workFromRows(w.rows, w.deps, w.epics);
  }
  last = { job, work };
  return work;
}

parentPort?.on('message', (m: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    const work = workOf(m.job, m.source);
    if (m.op === 'draw') {
      const part = drawRuns(work, m.opts, m.chunks);
      parentPort!.postMessage({ part } satisfies WorkerReply, runsPartBuffers(part));
      return;
    }
    reply = { core: summariseRuns(work, m.opts, m.parts) };
  } catch (err) {
    reply = { error: describeError(err) };
  }
  parentPort!.postMessage(reply);
});
