import type { z } from 'zod';
import { ValidationError } from '../core/errors.js';

/** Parses request input; a failure names each field and what it accepts. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'path'): z.infer<S> {
  const res = schema.safeParse(value ?? {});
  if (res.success) return res.data;
  const detail = res.error.issues
    .map((i) => {
      const field = i.path.length ? i.path.join('.') : where;
      return `${field}: ${i.message}`;
    })
    .join('; ');
  throw new ValidationError(`invalid ${where}: ${detail}`);
}
