import { Command, CommanderError } from 'commander';
import { processIo, CliExit, type CliIo } from './io.js';
import { registerCoreCommands } from './coreCommands.js';
import { ConfigError } from '../config/env.js';
import { describeError } from '../core/describeError.js';

/** Builds the `fleet` program; each area registers its own commands. */
export async function buildProgram(io: CliIo): Promise<Command> {
  const program = new Command('fleet')
    .description('fleet-orchestrator: run a fleet of coding agents from a remediation plan')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .exitOverride();
  registerCoreCommands(program, io);
  const { registerAreaCommands } = await import('./areas.js');
  registerAreaCommands(program, io);
  return program;
}

export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  const program = await buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help ends here with 0; commander's own usage errors (unknown command or flag, missing
      // argument) are 2; a command that chose its exit code keeps it.
      if (err.exitCode === 0) return 0;
      const usage = err.code.startsWith('commander.') && !['commander.error', 'commander.executeSubCommandAsync'].includes(err.code);
      return usage ? 2 : err.exitCode;
    }
    if (err instanceof CliExit) {
      if (err.message) io.stderr(err.message);
      return err.code;
    }
    if (err instanceof ConfigError) {
      io.stderr(err.message);
      return 2;
    }
    io.stderr(`fleet: ${describeError(err)}`);
    return 1;
  }
}

const invokedDirectly = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!);
if (invokedDirectly) {
  runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
