import type { Command } from 'commander';
import { processIo, type CliIo } from './io.js';
import { registerRunnersCommands } from './runnersCommands.js';
import { registerGithubCommands } from './githubCommands.js';
import { registerPlanCommands } from './planCommands.js';
import { registerStatusCommand } from './statusCommand.js';
import { registerAppCommands } from './appCommands.js';
import { registerGuardCommands } from './guardCommands.js';

/** Commands of the plan, GitHub, runner and progress areas, each kept in its own module. */
export function registerAreaCommands(program: Command, io: CliIo): void {
  // The plan commands stream (progress lines): give them the real streams when there are some.
  const stream = (f: (s: string) => void) => ({ write: (chunk: string) => f(chunk) });
  registerPlanCommands(
    program,
    io === processIo ? { stdout: process.stdout, stderr: process.stderr, env: io.env } : { stdout: stream(io.stdout), stderr: stream(io.stderr), env: io.env },
  );
  registerGithubCommands(program, io);
  registerRunnersCommands(program, { out: io.stdout, err: io.stderr, env: io.env });
  registerStatusCommand(program, io);
  registerAppCommands(program, io);
  registerGuardCommands(program, io);
}
