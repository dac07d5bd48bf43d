/**
 * Waits between reads while GitHub is still computing a pull request's mergeability (REST
 * `mergeable: null` / `mergeable_state: unknown`, GraphQL `mergeable: UNKNOWN`): it computes it in
 * the background after a push to either branch, usually within seconds. Bounded: ~7 s in all.
 */
export const MERGEABILITY_RETRY_MS = [1000, 2000, 4000];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Reads until `computing` says the answer is final, waiting `delays[i]` before retry i + 1; after
 * the last delay, the last read is returned as it is (the caller decides what "still computing"
 * means for it: never a decision that the PR conflicts or not). `first`: a read already made.
 */
export async function untilComputed<T>(
  read: () => Promise<T>,
  computing: (x: T) => boolean,
  delays: readonly number[] = MERGEABILITY_RETRY_MS,
  first?: { value: T },
): Promise<{ value: T; computing: boolean; reads: number }> {
  let reads = first ? 0 : 1;
  let value = first ? first.value : await read();
  for (let i = 0; computing(value); i++) {
    if (i >= delays.length) return { value, computing: true, reads };
    await sleep(delays[i]!);
    value = await read();
    reads++;
  }
  return { value, computing: false, reads };
}
