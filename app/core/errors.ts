/**
 * Typed errors of the domain. Each carries an HTTP-ish `status` so the API maps them without
 * guessing, and a message that says what was wrong and what is accepted.
 */
export class FleetError extends Error {
  readonly status: number = 500;
  readonly code: string = 'internal';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class NotFoundError extends FleetError {
  override readonly status: number = 404;
  override readonly code: string = 'not_found';
}

export class ConflictError extends FleetError {
  override readonly status: number = 409;
  override readonly code: string = 'conflict';
}

export class ValidationError extends FleetError {
  override readonly status: number = 400;
  override readonly code: string = 'invalid';
}

export class ForbiddenError extends FleetError {
  override readonly status: number = 403;
  override readonly code: string = 'forbidden';
}

export class UnauthorizedError extends FleetError {
  override readonly status: number = 401;
  override readonly code: string = 'unauthorized';
}

/** A status change the state machine does not allow. */
export class IllegalTransitionError extends ConflictError {
  override readonly code: string = 'illegal_transition';
  constructor(
    readonly from: string,
    readonly to: string,
    readonly taskKey?: string,
  ) {
    super(
      `task ${taskKey ?? ''} cannot go from ${from} to ${to}`.replace('task  ', 'task ') +
        `; from ${from} it may go to: ${[...(TRANSITIONS_FOR_MESSAGES.get(from) ?? [])].join(', ') || 'nothing'}`,
    );
  }
}

/** A report carrying a lease epoch that is no longer current: another claim superseded it. */
export class StaleEpochError extends ConflictError {
  override readonly code: string = 'stale_epoch';
}

// Filled by taskStatus.ts so the error message can list the legal moves without an import cycle.
export const TRANSITIONS_FOR_MESSAGES = new Map<string, readonly string[]>();
