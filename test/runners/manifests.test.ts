/**
 * No container engine or cluster runs here, so the deployment files are checked by parsing them
 * and holding them against each other: action.yml, the workflow, the fleet config schema, the VM
 * script, the AKS values and manifests, the Dockerfile and docker-compose.yml.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { INPUT_NAMES } from '../../action/src/inputs.js';
import { parseFleetConfig, type PoolConfig } from '../../schema/fleetConfig.js';
import { scaleSetName } from '../../app/cli/runnersCommands.js';
import { parseRunTitle } from '../../app/github/dispatch/runTitle.js';

const ROOT = resolve(import.meta.dirname, '../..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
type Any = any;
const yamlFile = (p: string): Any => parse(read(p));

/** The ```yaml blocks of a Markdown file that look like a .github/fleet.yml. */
function fleetConfigsIn(markdown: string): string[] {
  return [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((b) => /^pools:/m.test(b));
}

/** The pools of every fleet config a README shows; each block must be a valid config. */
function poolsDocumentedIn(readme: string): PoolConfig[] {
  const blocks = fleetConfigsIn(read(readme));
  expect(blocks.length).toBeGreaterThan(0);
  return blocks.flatMap((b) => {
    const res = parseFleetConfig(b);
    expect(res.ok, JSON.stringify(!res.ok && res.errors)).toBe(true);
    return res.ok ? res.config.pools : [];
  });
}

describe('action.yml', () => {
  const action = yamlFile('action.yml');

  it('runs the committed bundle on the current Actions Node runtime', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'action/dist/index.js' });
    expect(existsSync(join(ROOT, 'action/dist/index.js'))).toBe(true);
  });

  it('declares exactly the inputs the code reads, and the outputs it sets', () => {
    expect(Object.keys(action.inputs).sort()).toEqual([...INPUT_NAMES].sort());
    for (const [name, spec] of Object.entries<Any>(action.inputs)) expect(spec.description, name).toBeTruthy();
    expect(Object.keys(action.outputs).sort()).toEqual(['branch', 'pull-request', 'result', 'task']);
    const src = read('action/src/run.ts');
    for (const o of Object.keys(action.outputs)) expect(src).toContain(`core.setOutput('${o}'`);
  });

  it('has a committed bundle that matches a fresh build (npm run check:dist)', () => {
    const res = spawnSync(process.execPath, [join(ROOT, 'action/build.mjs'), '--check'], { cwd: ROOT, encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/up to date/);
  });
});

describe('runners/workflows/fleet-agent.yml', () => {
  const wf = yamlFile('runners/workflows/fleet-agent.yml');
  const action = yamlFile('action.yml');
  const job = wf.jobs.agent;

  it('is dispatchable with the task, epoch, pool and runner labels, and callable with the same inputs', () => {
    const dispatch = Object.keys(wf.on.workflow_dispatch.inputs);
    expect(dispatch).toEqual(expect.arrayContaining(['task', 'issue', 'epoch', 'orchestrator-url', 'pool', 'runs-on']));
    expect(Object.keys(wf.on.workflow_call.inputs).sort()).toEqual([...dispatch].sort());
    const labels = JSON.parse(wf.on.workflow_dispatch.inputs['runs-on'].default);
    expect(Array.isArray(labels) && labels.every((l: unknown) => typeof l === 'string')).toBe(true);
    expect(job['runs-on']).toBe('${{ fromJSON(inputs.runs-on) }}');
  });

  it('asks for the least it needs: nothing at the top, contents and PR write plus id-token for the job', () => {
    expect(wf.permissions).toEqual({});
    expect(job.permissions).toEqual({ contents: 'write', 'pull-requests': 'write', 'id-token': 'write' });
  });

  it('never runs one task twice at once', () => {
    expect(wf.concurrency.group).toContain('inputs.task');
    expect(wf.concurrency['cancel-in-progress']).toBe(false);
  });

  it('checks out without persisting credentials and passes the action only inputs it declares (all required ones)', () => {
    const checkout = job.steps.find((s: Any) => String(s.uses).startsWith('actions/checkout@'));
    expect(checkout.with['persist-credentials']).toBe(false);
    const fleet = job.steps.find((s: Any) => s.id === 'fleet');
    const given = Object.keys(fleet.with);
    for (const name of given) expect(Object.keys(action.inputs), `input ${name}`).toContain(name);
    for (const [name, spec] of Object.entries<Any>(action.inputs)) if (spec.required) expect(given).toContain(name);
    // The action's own timeout comes before the job's, so it can stop the agent and report.
    expect(Number(fleet.with['timeout-minutes'])).toBeLessThan(job['timeout-minutes']);
  });

  it('names its run and its job `fleet task=<key> epoch=<n>`, which the app reads back to match workflow_run and workflow_job events', () => {
    const render = (template: string, inputs: Record<string, string>) =>
      template.replace(/\$\{\{\s*inputs\.([\w-]+)\s*\}\}/g, (_, k: string) => inputs[k] ?? '');
    for (const template of [wf['run-name'], job.name]) {
      expect(template).toContain('inputs.task');
      expect(template).toContain('inputs.epoch');
      expect(render(template, { task: '1.2', epoch: '3', pool: 'gpu' })).not.toMatch(/\$\{\{/);
      expect(parseRunTitle(render(template, { task: '1.2', epoch: '3', pool: 'gpu' }))).toEqual({ key: '1.2', epoch: 3 });
      expect(parseRunTitle(render(template, { task: 'i17', epoch: '12' }))).toEqual({ key: 'i17', epoch: 12 });
      // a run that claims for itself has no task yet, and must not match one
      expect(parseRunTitle(render(template, { task: '', epoch: '' }))).toBeNull();
    }
  });

  it('splices no step output into a script', () => {
    for (const s of job.steps) if (s.run) expect(s.run).not.toMatch(/\$\{\{/);
  });
});

describe('runners/vm/register-runner.sh', () => {
  const script = join(ROOT, 'runners/vm/register-runner.sh');
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    spawnSync('bash', [script, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });

  it('is valid bash, and --dry-run prints the steps without the token', () => {
    execFileSync('bash', ['-n', script]);
    const dir = mkdtempSync(join(tmpdir(), 'runner-'));
    try {
      const secret = 'AAAA-secret-registration-token';
      const res = run(['--url', 'https://github.com/acme/widgets', '--pool', 'vm-general', '--labels', 'self-hosted,linux,x64,fleet-vm-general', '--name', 'fleet-vm-1', '--dir', join(dir, 'r'), '--dry-run'], {
        RUNNER_REGISTRATION_TOKEN: secret,
      });
      expect(res.status, res.stderr).toBe(0);
      expect(res.stdout).toMatch(/\+ .*config\.sh --unattended --url https:\/\/github\.com\/acme\/widgets --name fleet-vm-1 .*--labels fleet-vm-general/);
      expect(res.stdout).toMatch(/svc\.sh install fleet-runner/);
      expect(res.stdout + res.stderr).not.toContain(secret);
      expect(existsSync(join(dir, 'r'))).toBe(false); // nothing changed
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is idempotent: a runner already registered is left alone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'runner-'));
    try {
      const r = join(dir, 'r');
      mkdirSync(r);
      writeFileSync(join(r, 'config.sh'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
      writeFileSync(join(r, '.runner'), '{}');
      const res = run(['--url', 'https://github.com/acme/widgets', '--pool', 'vm', '--labels', 'fleet-vm', '--dir', r, '--dry-run']);
      expect(res.status, res.stderr).toBe(0);
      expect(res.stdout).toMatch(/= already registered/);
      expect(res.stdout).not.toMatch(/config\.sh --unattended/);
      expect(res.stdout).not.toMatch(/curl/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes the token from the environment only, and refuses bad arguments clearly', () => {
    expect(run(['--url', 'https://github.com/a/b', '--pool', 'p', '--labels', 'l', '--token', 'x']).stderr).toMatch(/RUNNER_REGISTRATION_TOKEN only/);
    expect(run(['--url', 'https://user:pw@github.com/a/b', '--pool', 'p', '--labels', 'l', '--dry-run']).stderr).toMatch(/without credentials/);
    expect(run(['--url', 'https://github.com/a/b', '--pool', 'p', '--labels', 'l']).stderr).toMatch(/RUNNER_REGISTRATION_TOKEN is not set/);
    expect(run(['--pool', 'p']).status).toBe(2);
  });

  it('documents an example layout whose pools are valid config with a pool label each', () => {
    for (const pool of poolsDocumentedIn('runners/vm/README.md')) {
      expect(pool.runsOn.some((l) => !['self-hosted', 'linux', 'x64', 'arm64'].includes(l))).toBe(true);
      expect(read('runners/vm/README.md')).toContain(`--labels ${pool.runsOn.join(',')}`);
    }
  });
});

describe('runners/aks', () => {
  const dir = 'runners/aks/runner-scale-sets';
  const files = readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.yaml'));

  it('has one scale set per pool, named after its single label, scaling to zero, with no credential inline', () => {
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const v = yamlFile(`${dir}/${f}`);
      expect(v.runnerScaleSetName).toBe(f.replace(/\.yaml$/, ''));
      expect(v.minRunners).toBe(0);
      expect(v.maxRunners).toBeGreaterThanOrEqual(1);
      expect(typeof v.githubConfigSecret).toBe('string');
      expect(v.githubConfigUrl).toMatch(/^https:\/\/github\.com\//);
      const runner = v.template.spec.containers.find((c: Any) => c.name === 'runner');
      expect(runner.command).toEqual(['/home/runner/run.sh']);
      for (const e of runner.env ?? []) expect(e.value, e.name).toBeUndefined(); // secrets by reference only
    }
  });

  it('documents pools whose runsOn is exactly a scale set, with capacity = maxRunners', () => {
    for (const pool of poolsDocumentedIn('runners/aks/README.md')) {
      const { name, warning } = scaleSetName(pool);
      expect(warning).toBeUndefined();
      expect(files).toContain(`${name}.yaml`);
      expect(yamlFile(`${dir}/${name}.yaml`).maxRunners).toBe(pool.capacity);
    }
  });

  it('runs the orchestrator with several non-root replicas, health probes and secrets by reference', () => {
    const kustomization = yamlFile('runners/aks/orchestrator/kustomization.yaml');
    const docs: Any[] = kustomization.resources.flatMap((r: string) =>
      parseAllDocuments(read(`runners/aks/orchestrator/${r}`)).map((d) => {
        expect(d.errors).toEqual([]);
        return d.toJS();
      }),
    );
    const deploy = docs.find((d) => d.kind === 'Deployment');
    expect(deploy.spec.replicas).toBeGreaterThanOrEqual(2);
    const pod = deploy.spec.template.spec;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    const c = pod.containers[0];
    expect(c.readinessProbe.httpGet.path).toBe('/health');
    expect(c.livenessProbe.httpGet.path).toBe('/health');
    expect(c.envFrom).toEqual(expect.arrayContaining([{ secretRef: { name: 'fleet-orchestrator' } }]));
    expect(docs.find((d) => d.kind === 'Secret')).toBeUndefined();
    const cm = docs.find((d) => d.kind === 'ConfigMap');
    for (const k of Object.keys(cm.data)) expect(k).not.toMatch(/TOKEN|SECRET|PASSWORD|PRIVATE_KEY|DATABASE_URL|REDIS_URL/);
    expect(docs.find((d) => d.kind === 'PodDisruptionBudget').spec.minAvailable).toBeLessThan(deploy.spec.replicas);
  });
});

describe('the hub containers', () => {
  const dockerfile = () => read('Dockerfile').replace(/\\\n\s*/g, ' '); // join continued lines
  /** Stages by name (or index), each with its instructions. */
  const stages = () =>
    dockerfile()
      .split(/^FROM /m)
      .slice(1)
      .map((body, i) => ({ name: /^\S+\s+AS\s+(\S+)/i.exec(body)?.[1] ?? String(i), body }));

  it('Dockerfile: multi-stage, production dependencies only in the final image, non-root, health check', () => {
    const all = stages();
    expect(all.length).toBeGreaterThanOrEqual(2);
    const final = all[all.length - 1]!.body;
    const user = /^USER\s+(\S+)/m.exec(final)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(final).toMatch(/^HEALTHCHECK .*\/health/m);
    expect(final).toMatch(/^CMD \["node", "dist\/app\/main\.js"\]/m);
    expect(final).not.toMatch(/npm (ci|install)/);
    // node_modules comes from a stage that dropped the dev dependencies after using them.
    const from = /^COPY --from=(\S+)\s.*node_modules/m.exec(final)?.[1];
    const deps = all.find((st) => st.name === from);
    expect(deps?.body).toMatch(/npm (ci|prune) [^\n]*--omit=dev/);
    expect(read('.dockerignore')).toMatch(/^node_modules$/m);
    expect(read('.dockerignore')).toMatch(/^\.env$/m);
  });

  it('Dockerfile: the build stage copies every file its commands read (scripts, tsconfig) and compiles no tests', () => {
    const pkg = JSON.parse(read('package.json'));
    const build = stages().find((st) => /\b(tsc|npm run build)\b/.test(st.body));
    expect(build).toBeDefined();
    const copied = [...build!.body.matchAll(/^COPY (?!--from)(.+)$/gm)].flatMap((m) => m[1]!.trim().split(/\s+/).slice(0, -1));
    const isCopied = (file: string) => copied.some((c) => c.replace(/\/$/, '') === file || file.startsWith(c.replace(/\/?$/, '/')));
    // What RUN executes, with `npm run x` replaced by the script it runs.
    const runs = [...build!.body.matchAll(/^RUN (.+)$/gm)]
      .map((m) => m[1]!)
      .join(' && ')
      .replace(/npm run ([\w:-]+)/g, (_, name: string) => pkg.scripts[name] ?? name);
    const files = [...runs.matchAll(/(?<![\w/.-])((?:[\w.-]+\/)*[\w.-]+\.(?:mjs|cjs|js|ts|json))\b/g)].map((m) => m[1]!).filter((f) => existsSync(join(ROOT, f)));
    expect(files).toEqual(expect.arrayContaining(['scripts/copy-assets.mjs']));
    for (const f of files) expect(isCopied(f), `${f} is read by RUN but never copied into the build stage`).toBe(true);
    // The tsconfig it compiles with: what it includes is copied, and tests and benches are not compiled into the image.
    for (const cfgFile of files.filter((f) => /tsconfig.*\.json$/.test(f))) {
      const cfg = JSON.parse(read(cfgFile).replace(/^\s*\/\/.*$/gm, ''));
      const include: string[] = cfg.include ?? JSON.parse(read(cfg.extends)).include;
      for (const glob of include) expect(isCopied(glob.split('/')[0]!), `${cfgFile} includes ${glob}`).toBe(true);
      expect(include.some((g) => /^(test|bench)\//.test(g)), `${cfgFile} compiles tests or benches into the image`).toBe(false);
      if (cfg.extends) expect(isCopied(cfg.extends.replace(/^\.\//, ''))).toBe(true);
    }
    expect(copied).not.toEqual(expect.arrayContaining(['test', 'bench']));
  });

  it('scripts/container-smoke.sh is valid bash and builds, runs and checks the image the Dockerfile describes', () => {
    execFileSync('bash', ['-n', join(ROOT, 'scripts/container-smoke.sh')]);
    const smoke = read('scripts/container-smoke.sh');
    expect(smoke).toMatch(/podman build [^\n]*--format docker[^\n]*-f Dockerfile/); // OCI format would drop the HEALTHCHECK
    expect(smoke).toMatch(/default_ulimits = \[\]/);
    expect(smoke).toMatch(/podman healthcheck run/);
    expect(smoke).toMatch(/fleet migrate/);
    expect(smoke).toMatch(/fleet plan check/);
    // The base image it makes locally is the one the Dockerfile starts from.
    const base = /^FROM (\S+)/m.exec(read('Dockerfile'))![1]!;
    expect(smoke).toContain(`BASE_IMAGE=${base}`);
  });

  it('docker-compose.yml: Postgres, Redis with AOF and noeviction, no published database ports, secrets from the environment', () => {
    const text = read('docker-compose.yml');
    const compose = parse(text);
    expect(Object.keys(compose.services).sort()).toEqual(['orchestrator', 'postgres', 'redis']);
    expect(compose.services.postgres.ports).toBeUndefined();
    expect(compose.services.redis.ports).toBeUndefined();
    const redisCmd = compose.services.redis.command.join(' ');
    expect(redisCmd).toMatch(/--appendonly yes/);
    expect(redisCmd).toMatch(/--maxmemory-policy noeviction/);
    const env = compose.services.orchestrator.environment;
    expect(env.FLEET_ADMIN_TOKEN).toMatch(/^\$\{FLEET_ADMIN_TOKEN:\?/);
    expect(compose.services.postgres.environment.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
    expect(env.DATABASE_URL).toContain('${POSTGRES_PASSWORD');
    expect(compose.services.orchestrator.ports[0]).toMatch(/^\$\{FLEET_BIND:-127\.0\.0\.1\}/);
  });
});
