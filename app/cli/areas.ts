import type { Command } from 'commander';
import type { CliIo } from './io.js';
import { registerRunnersCommands } from './runnersCommands.js';

/** Commands of the plan, GitHub, runner and progress areas, each kept in its own module. */
export function registerAreaCommands(program: Command, io: CliIo): void {
  registerRunnersCommands(program, { out: io.stdout, err: io.stderr });
}
