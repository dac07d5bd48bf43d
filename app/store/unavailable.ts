import { FleetError } from '../core/errors.js';

/** Postgres could not be reached or went away mid-request: the client should retry shortly (503). */
export class DatabaseUnavailableError extends FleetError {
  override readonly status: number = 503;
  override readonly code: string = 'unavailable';
}

// Socket errors of the pg driver, and server codes meaning "not now": admin/crash shutdown,
// starting up or shutting down (57P01-57P03), too many connections (53300), class 08 (connection).
const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const PG_CODES = new Set(['57P01', '57P02', '57P03', '53300']);
// What pg says without a code: the pool's connect timeout, a connection cut mid-query.
const MESSAGES = /timeout exceeded when trying to connect|Connection terminated|connection error and is not queryable|Client was closed and is not queryable/i;

/** Whether an error means Postgres is unreachable (rather than a bad query or bad data). */
export function isDatabaseUnavailable(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    if (e instanceof DatabaseUnavailableError) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (NET_CODES.has(code) || PG_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && MESSAGES.test(message)) return true;
    const errors = (e as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.some(isDatabaseUnavailable)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
