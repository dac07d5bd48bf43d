import type { Command } from 'commander';
import type { CliIo } from './io.js';

/** Commands of the plan, GitHub and runner areas, each kept in its own module. */
export function registerAreaCommands(_program: Command, _io: CliIo): void {}
