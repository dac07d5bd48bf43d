import { Command, CommanderError } from 'commander';
import { registerPlanCommands } from '../../app/cli/planCommands.js';

/**
 * Runs `fleet <args>` through the plan commands in this process, as the CLI would: what it wrote
 * to stdout and stderr, and the exit code (commander's, on a usage error or a failed command).
 */
export async function runPlanCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const program = new Command('fleet').exitOverride();
  registerPlanCommands(program, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env });
  try {
    await program.parseAsync(args, { from: 'user' });
    return { code: 0, out, err };
  } catch (e) {
    if (e instanceof CommanderError) return { code: e.exitCode, out, err };
    throw e;
  }
}
