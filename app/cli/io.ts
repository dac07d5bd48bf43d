/** What a CLI command writes to and reads from; tests pass their own. */
export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: NodeJS.ProcessEnv;
}

export const processIo: CliIo = {
  stdout: (s) => process.stdout.write(s.endsWith('\n') ? s : s + '\n'),
  stderr: (s) => process.stderr.write(s.endsWith('\n') ? s : s + '\n'),
  env: process.env,
};

/** A failure the CLI reports as one line with this exit code (1 = bad content, 2 = bad usage or missing file). */
export class CliExit extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}
