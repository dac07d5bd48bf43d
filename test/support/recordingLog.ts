/** A logger that keeps what it was given, as (level, object, message), for tests to read. */
export function recordingLog() {
  const lines: { level: 'error' | 'warn' | 'info'; obj: unknown; msg: string | undefined }[] = [];
  return {
    lines,
    warn: (obj: unknown, msg?: string) => void lines.push({ level: 'warn', obj, msg }),
    info: (obj: unknown, msg?: string) => void lines.push({ level: 'info', obj, msg }),
    error: (obj: unknown, msg?: string) => void lines.push({ level: 'error', obj, msg }),
  };
}
