// One configuration loader for every Cloister service and command: a TypeBox schema (types, ranges, defaults) whose
// settings name their CLOISTER_* environment variable (`fromEnv`, one place per setting; the table of variables is
// derived from the schema), an optional JSON file, and a summary with the secrets redacted. Layers, later wins:
// schema defaults ← file ← environment ← overrides.
import { readFileSync } from 'node:fs';
import { Kind, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { CloisterErrorOptions } from '../errors.js';

/** One environment variable: its name (always `CLOISTER_…`), the config path it sets, and whether it is a secret. */
export type ConfigVariable = {
  name: `CLOISTER_${string}`;
  /** Path in the config object, e.g. `['redis', 'url']`. Strings, numbers and booleans are read as the schema says. */
  path: readonly string[];
  secret?: boolean;
  description: string;
};

/** A service's or command's configuration: what it is called, its schema, its variables. */
export type ConfigDefinition<S extends TObject = TObject> = {
  /** Names it in messages: "invalid aggregator configuration: …". */
  what: string;
  schema: S;
  /** The schema's `fromEnv` settings, in schema order (derived by defineConfig). */
  variables: readonly ConfigVariable[];
  /** Config keys (at any depth) whose values are secrets besides the variables marked secret. */
  secretKeys?: readonly string[];
  /** Rules between fields the schema cannot say; each returned string is a problem. */
  rules?: (config: Static<S>) => string[];
  /** The package's ConfigInvalid error class (each package keeps its own code). */
  invalid: new (message: string, options?: CloisterErrorOptions) => Error;
};

/** The variable that names the JSON config file, for every definition. */
export const CONFIG_FILE_VARIABLE = 'CLOISTER_CONFIG';

export type LoadConfigOptions<S extends TObject> = {
  /** Environment (default process.env; pass {} to ignore it). */
  env?: Record<string, string | undefined>;
  /** JSON config file (default: $CLOISTER_CONFIG). */
  file?: string;
  /** Values that win over file and environment (tests, command-line flags). */
  overrides?: DeepPartial<Static<S>>;
};

export type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

// Where fromEnv writes a setting's variable on its schema (a symbol: invisible to JSON Schema and to validation).
const VARIABLE = Symbol.for('cloister.configVariable');

type VariableOfSetting = Omit<ConfigVariable, 'path'>;

/**
 * `schema`, also set by the environment variable `name`: the variable is written on the setting itself, so each
 * setting is declared in one place; defineConfig collects them into the definition's table. The description defaults
 * to the schema's own.
 */
export function fromEnv<T extends TSchema>(
  name: ConfigVariable['name'],
  schema: T,
  description: string | undefined = schema.description,
  options: { secret?: boolean } = {},
): T {
  if (description === undefined) throw new TypeError(`configuration variable ${name} needs a description`);
  const variable: VariableOfSetting = { name, description, ...(options.secret === true ? { secret: true } : {}) };
  return { ...schema, [VARIABLE]: variable };
}

/** Builds a definition: the variables are those the schema's settings name (fromEnv), in schema order. */
export function defineConfig<S extends TObject>(definition: Omit<ConfigDefinition<S>, 'variables'>): ConfigDefinition<S> {
  const variables = new Map<string, ConfigVariable>();
  for (const v of variablesOf(definition.schema, [])) {
    if (!/^CLOISTER_[A-Z0-9_]+$/.test(v.name)) throw new TypeError(`configuration variable ${v.name} must be CLOISTER_…`);
    const seen = variables.get(v.name);
    // A union's members may each name the variable of a field they share (the store's `kind`): one path, one entry.
    if (seen !== undefined && seen.path.join('.') !== v.path.join('.')) {
      throw new TypeError(`configuration variable ${v.name} sets both ${seen.path.join('.')} and ${v.path.join('.')}`);
    }
    if (seen === undefined) variables.set(v.name, v);
  }
  return { ...definition, variables: [...variables.values()] };
}

/** A command line's loader: its flags win over CLOISTER_* variables, which win over the config file. */
export function commandConfigLoader<S extends TObject>(
  definition: ConfigDefinition<S>,
): (flags: DeepPartial<Static<S>>, env?: Record<string, string | undefined>) => Static<S> {
  return (flags, env = process.env) => loadConfig(definition, { env, overrides: flags });
}

/** Loads, merges and validates a configuration; throws the definition's `invalid` error listing every problem. */
export function loadConfig<S extends TObject>(definition: ConfigDefinition<S>, options: LoadConfigOptions<S> = {}): Static<S> {
  const env = options.env ?? process.env;
  let merged: Record<string, unknown> = {};
  const file = options.file ?? env[CONFIG_FILE_VARIABLE];
  if (file !== undefined && file !== '') merged = merge(merged, readJsonObject(definition, file));
  const fromEnv = configFromEnv(definition, env);
  if (fromEnv.problems.length > 0) fail(definition, fromEnv.problems);
  merged = merge(merged, fromEnv.values);
  merged = merge(merged, (options.overrides ?? {}) as Record<string, unknown>);
  return validateConfig(definition, merged);
}

/** Applies the schema's defaults and checks the result (schema, then the definition's rules). */
export function validateConfig<S extends TObject>(definition: ConfigDefinition<S>, input: unknown): Static<S> {
  const withDefaults = Value.Default(definition.schema, Value.Clone(input)) as unknown;
  if (!Value.Check(definition.schema, withDefaults)) {
    // One problem per setting (a missing string is both "required" and "not a string"), in words a person can act on.
    const byPath = new Map<string, string>();
    for (const e of Value.Errors(definition.schema, withDefaults)) {
      if (byPath.has(e.path)) continue;
      const variable = definition.variables.find((v) => `/${v.path.join('/')}` === e.path);
      const allowed = literalChoices(e.schema);
      const message = allowed === undefined ? e.message : `must be one of ${allowed.join(', ')}`;
      byPath.set(e.path, `${e.path || '/'}${variable === undefined ? '' : ` (${variable.name})`}: ${message}`);
    }
    fail(definition, [...byPath.values()].slice(0, 12));
  }
  const config = withDefaults as Static<S>;
  const ruleProblems = definition.rules?.(config) ?? [];
  if (ruleProblems.length > 0) fail(definition, ruleProblems);
  return config;
}

/** The environment's values, typed by the schema at each variable's path. */
export function configFromEnv<S extends TObject>(
  definition: ConfigDefinition<S>,
  env: Record<string, string | undefined>,
): { values: Record<string, unknown>; problems: string[] } {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const variable of definition.variables) {
    const raw = env[variable.name];
    if (raw === undefined || raw === '') continue;
    const schema = schemaAt(definition.schema, variable.path);
    const parsed = parseValue(raw.trim(), schema);
    if (parsed.ok) setPath(values, variable.path, parsed.value);
    else problems.push(`${variable.name}: ${parsed.problem}, got "${variable.secret === true ? '[redacted]' : raw}"`);
  }
  return { values, problems };
}

/** The config with secrets replaced by "[redacted]" (and passwords in URLs), for logs and the start-up summary. */
export function redactConfig<S extends TObject>(definition: ConfigDefinition<S>, config: Static<S>): Record<string, unknown> {
  const secretPaths = new Set(definition.variables.filter((v) => v.secret === true).map((v) => v.path.join('.')));
  const secretKeys = new Set(definition.secretKeys ?? []);
  const walk = (value: unknown, path: string[]): unknown => {
    if (Array.isArray(value)) return value.map((x, i) => walk(x, [...path, String(i)]));
    if (typeof value === 'string') return value.replace(/\/\/[^@/\s]*@/, '//[redacted]@');
    if (!isPlainObject(value)) return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, x]) => {
        const at = [...path, key];
        const secret = secretKeys.has(key) || secretPaths.has(at.join('.'));
        return [key, secret && x !== undefined ? '[redacted]' : walk(x, at)];
      }),
    );
  };
  return walk(config, []) as Record<string, unknown>;
}

/** One line per top-level key, secrets redacted: what a service prints when it starts. */
export function summarizeConfig<S extends TObject>(definition: ConfigDefinition<S>, config: Static<S>): string {
  return Object.entries(redactConfig(definition, config))
    .map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
    .join('\n');
}

function readJsonObject(definition: Pick<ConfigDefinition, 'what' | 'invalid'>, file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new definition.invalid(`cannot read the ${definition.what} config file ${file}: ${(cause as Error).message}`, {
      cause,
      details: { file },
    });
  }
  if (!isPlainObject(parsed)) throw new definition.invalid(`the ${definition.what} config file ${file} must hold a JSON object`, { details: { file } });
  return parsed;
}

function fail(definition: Pick<ConfigDefinition, 'what' | 'invalid'>, problems: string[]): never {
  throw new definition.invalid(`invalid ${definition.what} configuration:\n  ${problems.join('\n  ')}`, { details: { problems } });
}

/** The values a union of literals allows (a log level's names), or undefined for any other schema. */
function literalChoices(schema: TSchema): string[] | undefined {
  if (schema[Kind] !== 'Union') return undefined;
  const members = (schema as unknown as { anyOf: TSchema[] }).anyOf;
  return members.every((m) => m[Kind] === 'Literal') ? members.map((m) => String((m as unknown as { const: unknown }).const)) : undefined;
}

function variablesOf(schema: TSchema, path: readonly string[]): ConfigVariable[] {
  const own = (schema as { [VARIABLE]?: VariableOfSetting })[VARIABLE];
  const here: ConfigVariable[] = own === undefined ? [] : [{ ...own, path }];
  if (schema[Kind] === 'Object') {
    return here.concat(Object.entries((schema as TObject).properties).flatMap(([key, s]) => variablesOf(s, [...path, key])));
  }
  if (schema[Kind] === 'Union') {
    return here.concat((schema as unknown as { anyOf: TSchema[] }).anyOf.flatMap((member) => variablesOf(member, path)));
  }
  return here;
}

function schemaAt(schema: TSchema, path: readonly string[]): TSchema | undefined {
  let current: TSchema | undefined = schema;
  for (const key of path) {
    if (current === undefined) return undefined;
    if (current[Kind] === 'Object') current = (current as TObject).properties[key];
    else if (current[Kind] === 'Union') {
      const members = (current as unknown as { anyOf: TSchema[] }).anyOf.filter((m) => m[Kind] === 'Object');
      current = members.map((m) => (m as TObject).properties[key]).find((s) => s !== undefined);
    } else return undefined;
  }
  return current;
}

function parseValue(raw: string, schema: TSchema | undefined): { ok: true; value: unknown } | { ok: false; problem: string } {
  const kind = schema?.[Kind];
  if (kind === 'Integer' || kind === 'Number') {
    const n = Number(raw);
    if (!Number.isFinite(n) || (kind === 'Integer' && !Number.isSafeInteger(n))) {
      return { ok: false, problem: kind === 'Integer' ? 'must be an integer' : 'must be a number' };
    }
    return { ok: true, value: n };
  }
  if (kind === 'Boolean') {
    if (raw === 'true' || raw === '1') return { ok: true, value: true };
    if (raw === 'false' || raw === '0') return { ok: true, value: false };
    return { ok: false, problem: 'must be true or false' };
  }
  if (kind === 'Object' || kind === 'Record' || kind === 'Array') {
    try {
      return { ok: true, value: JSON.parse(raw) as unknown };
    } catch {
      return { ok: false, problem: 'must be JSON' };
    }
  }
  return { ok: true, value: raw };
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  path.slice(0, -1).forEach((key) => {
    if (!isPlainObject(node[key])) node[key] = {};
    node = node[key] as Record<string, unknown>;
  });
  node[path[path.length - 1]!] = value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Deep merge, later wins. An object whose `kind` differs from the one it lands on replaces it instead (a union
 * member, like the coordinator's store: filesystem settings do not leak into s3's).
 */
export function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const current = out[key];
    if (isPlainObject(value) && isPlainObject(current)) {
      const replaces = value.kind !== undefined && current.kind !== undefined && value.kind !== current.kind;
      out[key] = replaces ? value : merge(current, value);
    } else out[key] = value;
  }
  return out;
}
