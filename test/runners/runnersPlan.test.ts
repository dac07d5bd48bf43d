import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { registerRunnersCommands } from '../../app/cli/runnersCommands.js';

const CONFIG = `
pools:
  - name: vm-general
    runsOn: [self-hosted, linux, x64, fleet-vm-general]
    capabilities: [node]
    capacity: 2
    workflow: fleet-agent.yml
  - name: aks-small
    runsOn: [aks-small]
    capacity: 10
    workflow: fleet-agent-aks.yml
`;

async function plan(args: string[], text = CONFIG) {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command().exitOverride();
  registerRunnersCommands(program, { out: (t) => out.push(t), err: (t) => err.push(t), readFile: async () => text });
  await program.parseAsync(['runners', 'plan', '--config', 'fleet.yml', '--repo', 'acme/widgets', ...args], { from: 'user' });
  return { out: out.join(''), err: err.join('') };
}

/** The fenced blocks of one language in the printed plan. */
const blocks = (text: string, lang: string) => [...text.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);

describe('fleet runners plan', () => {
  it('prints the workflow runs-on and the VM registration commands matching each pool', async () => {
    const { out } = await plan(['--pool', 'vm-general']);
    const wf = parse(blocks(out, 'yaml')[0]!);
    expect(wf.jobs.agent['runs-on']).toEqual(['self-hosted', 'linux', 'x64', 'fleet-vm-general']);
    expect(wf.jobs.agent.steps[1].with.pool).toBe('vm-general');
    // named like runners/workflows/fleet-agent.yml, so the app can match its runs to tasks
    const shared = parse(readFileSync(resolve(import.meta.dirname, '../../runners/workflows/fleet-agent.yml'), 'utf8'));
    expect(wf['run-name']).toBe(shared['run-name']);
    expect(wf.jobs.agent.name).toBe(shared.jobs.agent.name);
    expect(out).toContain(`runs-on='["self-hosted","linux","x64","fleet-vm-general"]'`);
    const sh = blocks(out, 'sh')[0]!;
    expect(sh).toContain('gh api -X POST repos/acme/widgets/actions/runners/registration-token');
    const registers = sh.split('\n').filter((l) => l.includes('register-runner.sh'));
    expect(registers).toHaveLength(2); // capacity 2
    expect(registers[0]).toBe(
      'sudo --preserve-env=RUNNER_REGISTRATION_TOKEN runners/vm/register-runner.sh --url https://github.com/acme/widgets --pool vm-general --labels self-hosted,linux,x64,fleet-vm-general --name vm-general-1',
    );
    expect(out).not.toContain('aks-small');
  });

  it('prints the AKS helm command and values: one label = the scale set name, max = capacity', async () => {
    const { out } = await plan(['--pool', 'aks-small']);
    expect(out).toContain('helm upgrade --install aks-small oci://ghcr.io/actions/actions-runner-controller-charts/gha-runner-scale-set');
    const values = parse(blocks(out, 'yaml')[1]!);
    expect(values).toMatchObject({ runnerScaleSetName: 'aks-small', minRunners: 0, maxRunners: 10, githubConfigUrl: 'https://github.com/acme/widgets' });
    expect(out).toContain('.github/workflows/fleet-agent-aks.yml');
  });

  it('warns when a pool cannot be a scale set as configured, and plans every pool by default', async () => {
    const { out } = await plan([]);
    expect(out).toMatch(/# Pool vm-general/);
    expect(out).toMatch(/# Pool aks-small/);
    expect(out).toMatch(/warning: an AKS scale set has one label, its name: to run pool vm-general on AKS set runsOn: \[vm-general\]/);
  });

  it('refuses an invalid config with the line and reason, and an unknown pool', async () => {
    await expect(plan([], 'pools:\n  - name: x\n    capacity: -1\n')).rejects.toThrow(/line 3 \(pools\.0\.capacity\)/);
    await expect(plan(['--pool', 'nope'])).rejects.toThrow(/no pool named "nope".*vm-general, aks-small/);
  });
});
