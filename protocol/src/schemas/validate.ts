import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { SchemaValidationError } from '../errors.js';

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();
const MAX_REPORTED = 20;

function compile<T extends TSchema>(schema: T): TypeCheck<T> {
  let check = compiled.get(schema);
  if (check === undefined) {
    check = TypeCompiler.Compile(schema);
    compiled.set(schema, check);
  }
  return check as TypeCheck<T>;
}

/** True when `value` matches `schema` (compiled once per schema). */
export function check<T extends TSchema>(schema: T, value: unknown): value is Static<T> {
  return compile(schema).Check(value);
}

export type SchemaErrorEntry = { path: string; message: string };

/** Every way `value` fails `schema` (at most 20), as `{ path, message }` with `prefix` before each path. */
export function schemaErrors(schema: TSchema, value: unknown, prefix = ''): SchemaErrorEntry[] {
  const checker = compile(schema);
  if (checker.Check(value)) return [];
  const errors: SchemaErrorEntry[] = [];
  for (const error of checker.Errors(value)) {
    const path = prefix + error.path;
    errors.push({ path: path === '' ? '/' : path, message: error.message });
    if (errors.length >= MAX_REPORTED) break;
  }
  return errors;
}

/**
 * Returns `value` typed as the schema's Static type, or throws SchemaValidationError whose message names the failing
 * paths and whose `details.errors` lists `{ path, message }` (at most 20).
 */
export function validate<T extends TSchema>(
  schema: T,
  value: unknown,
  what = schema.$id ?? 'value',
): Static<T> {
  if (check(schema, value)) return value;
  const errors = schemaErrors(schema, value);
  const summary = errors.map((e) => `${e.path}: ${e.message}`).join('; ');
  throw new SchemaValidationError(`invalid ${what}: ${summary}`, { details: { schema: what, errors } });
}
