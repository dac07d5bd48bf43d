/**
 * Whatever was thrown, in words: for logs, a delivery's recorded error and the Action's messages.
 * An error that carries several (AggregateError; Octokit's GraphqlResponseError, whose `errors`
 * are GitHub's plain `{ message }` objects) is the words of each, joined; an error whose cause is
 * an object adds the cause's code, or its message ("fetch failed (ECONNREFUSED)").
 */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const inner = (err as { errors?: unknown }).errors;
    if (Array.isArray(inner) && inner.length) return inner.map(describeError).join('; ');
    const cause = err.cause as { code?: unknown; message?: unknown } | null | undefined;
    if (cause && typeof cause === 'object') {
      const why = typeof cause.code === 'string' ? cause.code : typeof cause.message === 'string' ? cause.message : 'unknown cause';
      return `${err.message} (${why})`;
    }
    return err.message;
  }
  const message = (err as { message?: unknown } | null | undefined)?.message;
  return typeof message === 'string' ? message : String(err);
}
