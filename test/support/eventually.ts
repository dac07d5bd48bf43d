/**
 * Polls `check` until it returns without throwing (its value is returned), or fails with the last
 * error once `timeoutMs` has passed. Tests wait on a condition with this, never on a fixed sleep.
 */
export async function eventually<T>(check: () => T | Promise<T>, opts: { timeoutMs?: number; intervalMs?: number } = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  const interval = opts.intervalMs ?? 25;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() >= deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}
