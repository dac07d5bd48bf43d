/**
 * When each task last became ready, for the ready → workflow_dispatch latency. Fed from the
 * engine's `task.ready` events (from every process, through the event bus) and, at start, from
 * tasks.ready_since; a claim clears ready_since in Postgres, so the time is kept here until the
 * dispatch is recorded. Bounded: the oldest entries go first (tasks claimed by agents directly
 * are never dispatched and would otherwise stay forever).
 */
export class ReadyClock {
  private readonly at = new Map<number, number>();

  constructor(private readonly max = 50_000) {}

  becameReady(taskId: number, atMs: number): void {
    this.at.delete(taskId);
    this.at.set(taskId, atMs);
    if (this.at.size > this.max) {
      const oldest = this.at.keys().next();
      if (!oldest.done) this.at.delete(oldest.value);
    }
  }

  /** The time the task became ready, forgotten once read: one dispatch per readiness. */
  take(taskId: number): number | undefined {
    const t = this.at.get(taskId);
    this.at.delete(taskId);
    return t;
  }

  get size(): number {
    return this.at.size;
  }
}
