#!/usr/bin/env node
// The `fleet` command: runs the built CLI when present, else the TypeScript source through tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const built = fileURLToPath(new URL('../dist/app/cli/main.js', import.meta.url));
let runCli;
if (existsSync(built)) {
  ({ runCli } = await import(pathToFileURL(built).href));
} else {
  const { tsImport } = await import('tsx/esm/api');
  ({ runCli } = await tsImport('../app/cli/main.ts', import.meta.url));
}
process.exit(await runCli(process.argv.slice(2)));
