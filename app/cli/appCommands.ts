import type { Command } from 'commander';
import { CliExit, type CliIo } from './io.js';
import { loadAppCredentials } from '../github/setup/credentials.js';

/**
 * `fleet app setup [--org <login>] [--url <orchestrator>]`: prints the page where an admin registers
 * the GitHub App from its manifest (GET /setup on the running orchestrator). The page asks for the
 * admin token; the CLI never sees GitHub credentials.
 */
export function registerAppCommands(program: Command, io: CliIo): void {
  const app = program.command('app').description('the GitHub App this orchestrator runs as');
  app
    .command('setup')
    .description('print the URL where an admin registers the GitHub App from app.yml (the orchestrator must be running)')
    .option('--org <login>', 'register the App under this organization instead of your own account')
    .option('--url <url>', 'orchestrator URL (default: FLEET_PUBLIC_URL, FLEET_URL, or http://127.0.0.1:$PORT)')
    .action(async (opts: { org?: string; url?: string }) => {
      const env = io.env;
      if (opts.org !== undefined && !/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?$/.test(opts.org))
        throw new CliExit(`--org must be a GitHub organization login (letters, digits and -), got ${JSON.stringify(opts.org)}`, 2);
      const base = (opts.url ?? env.FLEET_PUBLIC_URL?.trim() ?? env.FLEET_URL?.trim() ?? `http://127.0.0.1:${env.PORT?.trim() || '3000'}`).replace(/\/+$/, '');
      if (!/^https?:\/\/[^\s/]+/.test(base)) throw new CliExit(`the orchestrator URL must be http(s)://host[:port], got ${JSON.stringify(base)}`, 2);
      const url = `${base}/setup${opts.org ? `?org=${encodeURIComponent(opts.org)}` : ''}`;

      const stored = await loadAppCredentials(env.FLEET_DATA_DIR?.trim() || '.fleet').catch(() => null);
      if (env.APP_ID?.trim()) io.stderr(`note: APP_ID=${env.APP_ID.trim()} is set, so the orchestrator already runs as that App; /setup will say so.`);
      else if (stored) io.stderr(`note: an App (id ${stored.id}) is already registered in ${env.FLEET_DATA_DIR?.trim() || '.fleet'}/github-app.json; /setup will say so.`);
      io.stdout(`Open ${url} in a browser, paste the admin token, and press "Register the GitHub App on GitHub".`);
      io.stdout(`GitHub then sends you back to ${base}/setup/callback, which stores the App's credentials and opens its installation page.`);
    });
}
