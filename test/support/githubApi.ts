/**
 * Checks a request meant for GitHub against GitHub's own published description of its API:
 * REST calls against the OpenAPI document in @octokit/openapi, GraphQL documents against the
 * public schema in @octokit/graphql-schema. Every nock interceptor (through the global guard in
 * test/support/githubGuard.ts) and every stand-in GitHub server in test/ calls this, so a mock
 * can only stand for a call GitHub would actually accept.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { buildClientSchema, extendSchema, getVariableValues, parse, validate, type GraphQLSchema, type IntrospectionQuery } from 'graphql';
import type { ValidateFunction } from 'ajv';

const require = createRequire(import.meta.url);

export interface GitHubRequest {
  method: string;
  /** Absolute URL, or a path with its query. */
  url: string;
  /** The raw body as sent, or an already parsed value. */
  body?: unknown;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: { type?: string; enum?: unknown[]; items?: { type?: string; enum?: unknown[] } };
}
interface Operation {
  operationId: string;
  parameters?: (Parameter | { $ref: string })[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: unknown }> } | { $ref: string };
}
interface Spec {
  paths: Record<string, Record<string, Operation | Parameter[]>>;
  components: { parameters: Record<string, Parameter>; requestBodies?: Record<string, unknown> };
}
interface Route {
  template: string;
  method: string;
  op: Operation;
  names: string[];
  exact: RegExp;
  /** Same route with parameters allowed to span segments ({ref}, {path} may hold slashes). */
  loose: RegExp;
  literals: number;
}

/** Path parameters whose values hold slashes (a ref "heads/main", a file path, "main...topic"). */
const SLASHY = new Set(['ref', 'path', 'basehead', 'branch', 'dir', 'name', 'tag']);
const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];

let spec: Spec | undefined;
let routes: Route[] | undefined;
function load(): { spec: Spec; routes: Route[] } {
  if (!spec || !routes) {
    spec = require('@octokit/openapi/generated/api.github.com.json') as Spec;
    routes = [];
    for (const [template, item] of Object.entries(spec.paths)) {
      const names = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
      const esc = (s: string) => s.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
      const pieces = template.split(/\{[^}]+\}/).map(esc);
      const exact = new RegExp(`^${pieces.join('([^/]+)')}$`);
      let loose = pieces[0]!;
      names.forEach((n, i) => (loose += (SLASHY.has(n) ? '(.+)' : '([^/]+)') + pieces[i + 1]!));
      const literals = template.split('/').filter((s) => s && !s.startsWith('{')).length;
      for (const method of METHODS) {
        const op = item[method] as Operation | undefined;
        if (op) routes.push({ template, method, op, names, exact, loose: new RegExp(`^${loose}$`), literals });
      }
    }
  }
  return { spec, routes };
}

function deref<T>(x: T | { $ref: string }): T {
  if (x && typeof x === 'object' && '$ref' in x) {
    const parts = x.$ref.replace(/^#\//, '').split('/');
    let cur: unknown = load().spec;
    for (const p of parts) cur = (cur as Record<string, unknown>)[p.replace(/~1/g, '/').replace(/~0/g, '~')];
    return cur as T;
  }
  return x as T;
}

/** Where a request for GitHub's API goes, or null when the URL is not GitHub's API. */
export function githubApiPath(url: string): { kind: 'rest' | 'graphql'; path: string; query: URLSearchParams } | null {
  const u = new URL(url, 'https://api.github.com');
  let path = u.pathname;
  if (u.hostname === 'api.github.com') {
    // as is
  } else if (path === '/api/graphql' || path.startsWith('/api/v3/') || path === '/api/v3') {
    // GitHub Enterprise Server: REST under /api/v3, GraphQL at /api/graphql.
    path = path === '/api/graphql' ? '/graphql' : path.slice('/api/v3'.length) || '/';
  } else {
    return null;
  }
  return { kind: path === '/graphql' ? 'graphql' : 'rest', path, query: u.searchParams };
}

function typeProblem(value: string, schema: Parameter['schema'], what: string): string | null {
  if (!schema) return null;
  const t = schema.type;
  if (t === 'integer' && !/^-?\d+$/.test(value)) return `${what} must be an integer, got "${value}"`;
  if (t === 'number' && !Number.isFinite(Number(value))) return `${what} must be a number, got "${value}"`;
  if (t === 'boolean' && value !== 'true' && value !== 'false') return `${what} must be true or false, got "${value}"`;
  if (t === 'string' && value === '') return `${what} must not be empty`;
  if (schema.enum && !schema.enum.map(String).includes(value)) return `${what} must be one of ${schema.enum.join(', ')}, got "${value}"`;
  if (t === 'array' && schema.items?.enum) {
    for (const v of value.split(',')) if (!schema.items.enum.map(String).includes(v)) return `${what} items must be among ${schema.items.enum.join(', ')}, got "${v}"`;
  }
  return null;
}

let ajv: { compile(s: unknown): ValidateFunction } | undefined;
const bodyValidators = new Map<string, ValidateFunction>();
function bodyValidator(route: Route, schema: unknown): ValidateFunction {
  const key = `${route.method} ${route.template}`;
  let v = bodyValidators.get(key);
  if (!v) {
    if (!ajv) {
      // ajv is what fastify validates with; GitHub's document is OpenAPI 3.0 (nullable, example…).
      const Ajv = (require('ajv') as { default: new (o: object) => { addSchema(s: unknown, k: string): void; compile(s: unknown): ValidateFunction } }).default;
      const a = new Ajv({ strict: false, allErrors: true, validateFormats: false, validateSchema: false, discriminator: false });
      // Ajv refuses OpenAPI's `nullable` beside no `type` (a $ref or an anyOf); there it adds nothing.
      const components = JSON.parse(JSON.stringify(load().spec.components), (_k, v: unknown) => {
        if (v && typeof v === 'object' && !Array.isArray(v) && 'nullable' in v && !('type' in v)) delete (v as { nullable?: unknown }).nullable;
        return v;
      }) as unknown;
      a.addSchema({ components }, 'gh');
      ajv = a;
    }
    const rewritten = JSON.parse(JSON.stringify(schema).replace(/"\$ref":"#\//g, '"$ref":"gh#/'), (_k, v: unknown) => {
      if (v && typeof v === 'object' && !Array.isArray(v) && 'nullable' in v && !('type' in v)) delete (v as { nullable?: unknown }).nullable;
      return v;
    }) as unknown;
    v = ajv.compile(rewritten);
    bodyValidators.set(key, v);
  }
  return v;
}

function parseBody(body: unknown): { ok: true; value: unknown } | { ok: false; error: string } {
  if (body === undefined || body === null || body === '') return { ok: true, value: undefined };
  if (typeof body !== 'string') {
    if (Buffer.isBuffer(body)) return parseBody(body.toString('utf8'));
    return { ok: true, value: body };
  }
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch {
    return { ok: false, error: `body is not JSON: ${body.slice(0, 80)}` };
  }
}

function restProblems(method: string, path: string, query: URLSearchParams, body: unknown): string[] {
  const { routes: all } = load();
  const m = method.toLowerCase();
  const byExact = all.filter((r) => r.exact.test(path));
  const candidates = byExact.length ? byExact : all.filter((r) => r.loose.test(path));
  if (!candidates.length) return [`no such path in GitHub's REST description`];
  const withMethod = candidates.filter((r) => r.method === m).sort((a, b) => b.literals - a.literals);
  const route = withMethod[0];
  if (!route) return [`${method} is not allowed on ${candidates[0]!.template} (GitHub has ${[...new Set(candidates.map((c) => c.method.toUpperCase()))].join(', ')})`];
  const problems: string[] = [];
  const params = (route.op.parameters ?? []).map((p) => deref<Parameter>(p));
  const values = (byExact.length ? route.exact : route.loose).exec(path)!.slice(1);
  route.names.forEach((name, i) => {
    const value = decodeURIComponent(values[i]!);
    const p = params.find((x) => x.in === 'path' && x.name === name);
    const problem = typeProblem(value, p?.schema ?? { type: 'string' }, `path parameter {${name}}`);
    if (problem) problems.push(problem);
  });
  for (const [k, v] of query) {
    const p = params.find((x) => x.in === 'query' && x.name === k);
    if (!p) {
      problems.push(`query parameter "${k}" is not accepted by ${route.method.toUpperCase()} ${route.template}`);
      continue;
    }
    const problem = typeProblem(v, p.schema, `query parameter "${k}"`);
    if (problem) problems.push(problem);
  }
  for (const p of params) if (p.in === 'query' && p.required && !query.has(p.name)) problems.push(`query parameter "${p.name}" is required`);
  const parsed = parseBody(body);
  if (!parsed.ok) return [...problems, parsed.error];
  const rb = route.op.requestBody ? deref<{ required?: boolean; content?: Record<string, { schema?: unknown }> }>(route.op.requestBody) : undefined;
  const schema = rb?.content?.['application/json']?.schema;
  if (parsed.value === undefined) {
    if (rb?.required && m !== 'get') problems.push(`a JSON body is required`);
  } else if (schema) {
    const v = bodyValidator(route, schema);
    if (!v(parsed.value)) {
      for (const e of v.errors ?? []) problems.push(`body${e.instancePath} ${e.message ?? 'is invalid'}`);
    }
  }
  return problems;
}

/** The package's exports map hides schema.json (and it is ESM-only), so look it up on disk. */
function graphqlSchemaFile(): string {
  for (const dir of require.resolve.paths('@octokit/graphql-schema') ?? []) {
    const f = join(dir, '@octokit/graphql-schema/schema.json');
    if (existsSync(f)) return f;
  }
  throw new Error('@octokit/graphql-schema is not installed');
}

/**
 * Mutations GitHub's public schema has (docs.github.com/graphql/reference/mutations#addsubissue,
 * #addblockedby) that @octokit/graphql-schema 15.26.1 predates. Only these are added, with the
 * documented input fields, so any other field or name is still checked.
 */
const NEWER_THAN_PACKAGE = `
input AddSubIssueInput { clientMutationId: String, issueId: ID!, subIssueId: ID, subIssueUrl: String, replaceParent: Boolean }
type AddSubIssuePayload { clientMutationId: String, issue: Issue, subIssue: Issue }
input AddBlockedByInput { clientMutationId: String, issueId: ID!, blockingIssueId: ID! }
type AddBlockedByPayload { clientMutationId: String, issue: Issue, blockingIssue: Issue }
extend type Mutation {
  addSubIssue(input: AddSubIssueInput!): AddSubIssuePayload
  addBlockedBy(input: AddBlockedByInput!): AddBlockedByPayload
}`;

let gqlSchema: GraphQLSchema | undefined;
function graphqlProblems(method: string, body: unknown): string[] {
  if (method.toUpperCase() !== 'POST') return [`GraphQL takes POST, not ${method}`];
  const parsed = parseBody(body);
  if (!parsed.ok) return [parsed.error];
  const b = parsed.value as { query?: unknown; variables?: Record<string, unknown> } | undefined;
  if (!b || typeof b.query !== 'string') return ['a GraphQL request needs a "query" string'];
  // The introspection result, as the package's own validate() builds it (its SDL repeats a field).
  gqlSchema ??= extendSchema(buildClientSchema(JSON.parse(readFileSync(graphqlSchemaFile(), 'utf8')) as IntrospectionQuery), parse(NEWER_THAN_PACKAGE));
  let doc;
  try {
    doc = parse(b.query);
  } catch (err) {
    return [`GraphQL syntax: ${(err as Error).message}`];
  }
  const errors = validate(gqlSchema, doc).map((e) => `GraphQL: ${e.message}`);
  if (errors.length) return errors;
  const ops = doc.definitions.filter((d) => d.kind === 'OperationDefinition');
  if (ops.length === 1 && ops[0]!.kind === 'OperationDefinition') {
    const vars = getVariableValues(gqlSchema, ops[0]!.variableDefinitions ?? [], b.variables ?? {});
    if (vars.errors) return vars.errors.map((e) => `GraphQL variables: ${e.message}`);
  }
  return [];
}

/** Why GitHub would refuse this request, as sentences; empty when it is a request GitHub describes. */
export function githubRequestProblems(req: GitHubRequest): string[] {
  const where = githubApiPath(req.url);
  if (!where) return [`${req.url} is not GitHub's API`];
  return where.kind === 'graphql' ? graphqlProblems(req.method, req.body) : restProblems(req.method, where.path, where.query, req.body);
}

/** The request in one line, for failure messages. */
export function describeRequest(req: GitHubRequest): string {
  const u = new URL(req.url, 'https://api.github.com');
  return `${req.method.toUpperCase()} ${u.pathname}${u.search}`;
}

/** Throws, naming the method, path and each problem, unless the request is one GitHub describes. */
export function assertGitHubRequest(req: GitHubRequest): void {
  const problems = githubRequestProblems(req);
  if (problems.length) throw new Error(`${describeRequest(req)} does not match GitHub's API description: ${problems.join('; ')}`);
}
