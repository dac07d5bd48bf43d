/**
 * The monitoring files next to the AKS manifests, held against the real server: every metric the
 * Grafana dashboard queries is one GET /metrics exports, and the scrape configuration points at
 * the port and path the orchestrator serves.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { startTestServer, type TestServer } from '../support/server.js';
import { metricsRoutes } from '../../app/metrics/metricsRoutes.js';
import { exportedFamilies } from './prometheusText.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DIR = 'runners/aks/orchestrator';
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
type Any = any;

const NOT_METRICS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'and', 'or', 'unless', 'inf', 'nan']);

/** Metric names a PromQL expression reads: identifiers that are not functions, keywords or label names. */
function metricNamesIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b\d[\w.]*/g, '') // numbers and durations (offset 5m)
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const out: string[] = [];
  for (const m of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const after = bare.slice(m.index + m[0].length).trimStart();
    if (after.startsWith('(') || NOT_METRICS.has(m[0].toLowerCase())) continue;
    out.push(m[0]);
  }
  return out;
}

/** Every panel, rows' nested panels included. */
function panelsOf(d: Any): Any[] {
  return (d.panels ?? []).flatMap((p: Any) => [p, ...panelsOf(p)]);
}

describe('the Grafana dashboard and the scrape configuration', () => {
  const dashboard: Any = JSON.parse(read(`${DIR}/monitoring/grafana-dashboard.json`));
  const queries: string[] = [
    ...panelsOf(dashboard).flatMap((p) => (p.targets ?? []).map((t: Any) => String(t.expr))),
    // label_values(metric, label): only the first argument is a metric.
    ...dashboard.templating.list.filter((v: Any) => v.type === 'query').map((v: Any) => /label_values\(\s*([^,)]+)/.exec(String(v.definition))![1]!),
  ];

  let s: TestServer;
  let families: Map<string, string>;
  beforeAll(async () => {
    s = await startTestServer('monitoring', { start: { routes: [metricsRoutes({ env: {} })] } });
    const r = await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${s.admin}` } });
    expect(r.status).toBe(200);
    families = exportedFamilies(await r.text());
  });
  afterAll(() => s.close());

  it('is a dashboard whose panels all query Prometheus, with unique ids', () => {
    expect(dashboard.uid).toMatch(/^[\w-]{1,40}$/);
    const panels = panelsOf(dashboard).filter((p) => p.type !== 'row');
    expect(panels.length).toBeGreaterThanOrEqual(8);
    const ids = panelsOf(dashboard).map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels) {
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      expect(p.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      for (const t of p.targets) expect(String(t.expr).trim(), p.title).not.toBe('');
    }
  });

  it('queries only metrics the server exports (histograms through _bucket, _sum and _count)', () => {
    const exported = new Set<string>();
    for (const [name, type] of families) {
      exported.add(name);
      if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exported.add(name + suffix);
      if (type === 'summary') for (const suffix of ['_sum', '_count']) exported.add(name + suffix);
    }
    const used = new Set(queries.flatMap(metricNamesIn));
    expect(used.size).toBeGreaterThanOrEqual(10);
    for (const name of used) expect(exported.has(name), `the dashboard queries ${name}, which GET /metrics does not export`).toBe(true);
    // Each fleet metric the server exports is on the dashboard: nothing measured goes unseen.
    const fleet = [...families.keys()].filter((n) => n.startsWith('fleet_'));
    for (const name of fleet) {
      const seen = [...used].some((u) => u === name || (u.startsWith(name) && /_(bucket|sum|count)$/.test(u)));
      expect(seen, `${name} is exported but on no panel`).toBe(true);
    }
  });

  it('reads the names of queries correctly (the reader itself)', () => {
    expect(metricNamesIn('sum by (result) (rate(fleet_claims_total{result!~"2.."}[$__rate_interval]))')).toEqual(['fleet_claims_total']);
    expect(metricNamesIn('1 - min by (a, b) (x_remaining) / max without (c) (x_limit) offset 5m')).toEqual(['x_remaining', 'x_limit']);
    expect(metricNamesIn('histogram_quantile(0.95, sum by (le) (rate(h_bucket[5m])))')).toEqual(['h_bucket']);
  });

  it('is shipped as a ConfigMap for Grafana next to a ServiceMonitor for the Service that serves /metrics', () => {
    const k: Any = parse(read(`${DIR}/monitoring/kustomization.yaml`));
    const gen = k.configMapGenerator.find((g: Any) => g.options?.labels?.grafana_dashboard === '1');
    expect(gen.files).toEqual(['fleet-orchestrator.json=grafana-dashboard.json']);
    for (const r of k.resources) expect(existsSync(join(ROOT, DIR, 'monitoring', r))).toBe(true);

    const sm: Any = parseAllDocuments(read(`${DIR}/monitoring/servicemonitor.yaml`)).map((d) => d.toJS())[0];
    expect(sm.kind).toBe('ServiceMonitor');
    const svc: Any = parse(read(`${DIR}/service.yaml`));
    for (const [key, v] of Object.entries(sm.spec.selector.matchLabels)) expect(svc.metadata.labels[key]).toBe(v);
    const ep = sm.spec.endpoints[0];
    expect(svc.spec.ports.map((p: Any) => p.name)).toContain(ep.port);
    expect(ep.path).toBe('/metrics');
    // The token by reference, never inline.
    expect(ep.authorization).toEqual({ type: 'Bearer', credentials: { name: 'fleet-metrics-token', key: 'token' } });

    const deploy: Any = parse(read(`${DIR}/deployment.yaml`));
    const ann = deploy.spec.template.metadata.annotations;
    const port = deploy.spec.template.spec.containers[0].ports.find((p: Any) => p.name === 'http').containerPort;
    expect(ann['prometheus.io/scrape']).toBe('true');
    expect(Number(ann['prometheus.io/port'])).toBe(port);
    expect(ann['prometheus.io/path']).toBe('/metrics');
    // The README tells how Prometheus gets the token.
    const readme = read('runners/aks/README.md');
    expect(readme).toContain('FLEET_METRICS_TOKEN');
    expect(readme).toContain('kubectl apply -k runners/aks/orchestrator/monitoring');
  });
});
