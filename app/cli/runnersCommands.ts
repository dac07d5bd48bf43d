import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parseFleetConfig, type FleetConfig, type PoolConfig } from '../../schema/fleetConfig.js';
import { describeError } from '../core/describeError.js';

/** What the runners commands need from the CLI: where to print, and how to read the config. */
export interface RunnersIo {
  out(text: string): void;
  err(text: string): void;
  readFile?: (path: string) => Promise<string>;
  /** The CLI's environment (FLEET_PROJECT gives --repo its default); never process.env directly. */
  env?: NodeJS.ProcessEnv;
}

export class RunnersCommandError extends Error {
  override name = 'RunnersCommandError';
}

const DEFAULT_CONFIG = '.github/fleet.yml';
/** Labels every self-hosted Linux runner has already; config.sh adds them itself. */
const DEFAULT_RUNNER_LABELS = new Set(['self-hosted', 'linux', 'x64', 'arm64']);

export interface PlanOptions {
  repo: string;
  serverUrl: string;
  actionRef: string;
}

const yamlList = (xs: string[]) => `[${xs.join(', ')}]`;
const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The scale set name for a pool on AKS: its single runsOn label (a scale set has exactly one). */
export function scaleSetName(pool: PoolConfig): { name: string; warning?: string } {
  if (pool.runsOn.length === 1 && pool.runsOn[0] !== 'self-hosted') return { name: pool.runsOn[0]! };
  return {
    name: pool.name,
    warning: `an AKS scale set has one label, its name: to run pool ${pool.name} on AKS set runsOn: [${pool.name}] in the config`,
  };
}

/** The exact workflow snippet and runner registration commands for one pool. */
export function planPool(pool: PoolConfig, opts: PlanOptions): string {
  const url = `${opts.serverUrl}/${opts.repo}`;
  const runsOnJson = JSON.stringify(pool.runsOn);
  const custom = pool.runsOn.filter((l) => !DEFAULT_RUNNER_LABELS.has(l.toLowerCase()));
  const aks = scaleSetName(pool);
  const lines: string[] = [];
  lines.push(`# Pool ${pool.name}: capacity ${pool.capacity}, capabilities ${pool.capabilities.length ? pool.capabilities.join(', ') : '(none)'}`);
  lines.push('');
  lines.push(`## Workflow: .github/workflows/${pool.workflow} (copy of runners/workflows/fleet-agent.yml)`);
  lines.push('');
  lines.push('```yaml');
  // The app ties workflow_run / workflow_job events to the task by these names.
  lines.push('run-name: "fleet task=${{ inputs.task }} epoch=${{ inputs.epoch }}"');
  lines.push('jobs:');
  lines.push('  agent:');
  lines.push('    name: "fleet task=${{ inputs.task }} epoch=${{ inputs.epoch }}"');
  lines.push(`    runs-on: ${yamlList(pool.runsOn)}`);
  lines.push('    permissions: { contents: write, pull-requests: write, id-token: write }');
  lines.push('    steps:');
  lines.push('      - uses: actions/checkout@v4');
  lines.push('        with: { persist-credentials: false }');
  lines.push(`      - uses: ${opts.actionRef}`);
  lines.push('        with:');
  lines.push(`          pool: ${pool.name}`);
  lines.push('          task: ${{ inputs.task }}');
  lines.push('          epoch: ${{ inputs.epoch }}');
  lines.push('          orchestrator-url: ${{ inputs.orchestrator-url || vars.FLEET_ORCHESTRATOR_URL }}');
  lines.push('          agent-command: ${{ vars.FLEET_AGENT_COMMAND }}');
  lines.push('```');
  lines.push('');
  lines.push(`With the shared workflow, the app dispatches it with inputs pool=${pool.name} runs-on='${runsOnJson}'.`);
  lines.push('');
  lines.push(`## VM runners (${pool.capacity} for capacity ${pool.capacity}; one job per runner)`);
  lines.push('');
  lines.push('```sh');
  lines.push(`export RUNNER_REGISTRATION_TOKEN=$(gh api -X POST repos/${opts.repo}/actions/runners/registration-token --jq .token)`);
  for (let i = 1; i <= pool.capacity; i++) {
    lines.push(
      [
        'sudo --preserve-env=RUNNER_REGISTRATION_TOKEN runners/vm/register-runner.sh',
        `--url ${shellQuote(url)}`,
        `--pool ${shellQuote(pool.name)}`,
        `--labels ${shellQuote(pool.runsOn.join(','))}`,
        `--name ${shellQuote(`${pool.name}-${i}`)}`,
      ].join(' '),
    );
  }
  lines.push('```');
  if (custom.length === 0) {
    lines.push('');
    lines.push(`warning: runsOn ${yamlList(pool.runsOn)} has only default labels: any self-hosted runner would take this pool's jobs; add a pool label such as fleet-${pool.name}`);
  }
  lines.push('');
  lines.push(`## AKS runner scale set ${aks.name} (actions-runner-controller)`);
  lines.push('');
  if (aks.warning) lines.push(`warning: ${aks.warning}`, '');
  lines.push('```sh');
  lines.push(
    [
      `helm upgrade --install ${shellQuote(aks.name)} oci://ghcr.io/actions/actions-runner-controller-charts/gha-runner-scale-set`,
      '--namespace fleet-runners --create-namespace',
      `-f runners/aks/runner-scale-sets/${aks.name}.yaml`,
      `--set githubConfigUrl=${shellQuote(url)}`,
    ].join(' \\\n  '),
  );
  lines.push('```');
  lines.push('');
  lines.push(`runners/aks/runner-scale-sets/${aks.name}.yaml:`);
  lines.push('');
  lines.push('```yaml');
  lines.push(`githubConfigUrl: ${url}`);
  lines.push('githubConfigSecret: fleet-arc-github-app');
  lines.push(`runnerScaleSetName: ${aks.name}`);
  lines.push('minRunners: 0');
  lines.push(`maxRunners: ${pool.capacity}`);
  lines.push('template:');
  lines.push('  spec:');
  lines.push('    containers:');
  lines.push('      - name: runner');
  lines.push('        image: ghcr.io/OWNER/fleet-agent-runner:latest');
  lines.push('        command: ["/home/runner/run.sh"]');
  lines.push('```');
  return lines.join('\n');
}

export function planAll(config: FleetConfig, opts: PlanOptions & { pool?: string | undefined }): string {
  const pools = opts.pool ? config.pools.filter((p) => p.name === opts.pool) : config.pools;
  if (opts.pool && pools.length === 0) {
    throw new RunnersCommandError(`no pool named "${opts.pool}" in the config; pools: ${config.pools.map((p) => p.name).join(', ') || '(none)'}`);
  }
  return pools.map((p) => planPool(p, opts)).join('\n\n---\n\n') + '\n';
}

export function registerRunnersCommands(program: Command, io: RunnersIo): Command {
  const runners = program.command('runners').description('self-hosted runner pools: what to deploy for .github/fleet.yml');
  runners
    .command('plan')
    .description('print, per pool, the workflow runs-on snippet and the runner registration commands (VM script, AKS helm values)')
    .option('--config <path>', 'the fleet config file', DEFAULT_CONFIG)
    .option('--pool <name>', 'only this pool')
    .option('--repo <owner/repo>', 'the managed repository', io.env?.FLEET_PROJECT ?? 'OWNER/REPO')
    .option('--server-url <url>', 'GitHub (Enterprise) server URL', 'https://github.com')
    .option('--action-ref <ref>', 'the fleet agent action to use', 'fleet-orchestrator/fleet-orchestrator@v1')
    .action(async (opts: { config: string; pool?: string; repo: string; serverUrl: string; actionRef: string }) => {
      if (!/^[\w.-]+\/[\w.-]+$/.test(opts.repo)) throw new RunnersCommandError(`--repo: expected owner/repo, got "${opts.repo}"`);
      const read = io.readFile ?? ((p: string) => readFile(p, 'utf8'));
      let text: string;
      try {
        text = await read(opts.config);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' && opts.config === DEFAULT_CONFIG) {
          io.err(`${DEFAULT_CONFIG} not found: planning for the default configuration`);
          text = '';
        } else {
          throw new RunnersCommandError(`cannot read ${opts.config}: ${describeError(err)}`);
        }
      }
      const parsed = parseFleetConfig(text);
      if (!parsed.ok) {
        throw new RunnersCommandError(
          `${opts.config} is invalid:\n${parsed.errors.map((e) => `  line ${e.line}${e.path ? ` (${e.path})` : ''}: ${e.message}`).join('\n')}`,
        );
      }
      io.out(planAll(parsed.config, { ...opts, serverUrl: opts.serverUrl.replace(/\/+$/, '') }));
    });
  return runners;
}
