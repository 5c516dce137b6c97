// Dataset configs: JSON documents validated by TypeBox schemas. Paths are relative to the config file's folder.
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatasetConfigInvalidError, DatasetFileError } from '../errors';

/** Train/test split: a seeded shuffle, then the first `floor(n·trainFraction)` rows (or `trainSize`) train. */
export const SplitSchema = Type.Object(
  {
    seed: Type.Integer({ default: 0 }),
    trainFraction: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
    trainSize: Type.Optional(Type.Integer({ minimum: 1 })),
    testSize: Type.Optional(Type.Integer({ minimum: 0 })),
    shuffle: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false },
);

/** `map`: an expression `[column] (>|>=|<|<=|==|!=) number` (e.g. "num > 0"), or a table {"M": 1, "B": 0}. */
export const LabelSchema = Type.Object(
  {
    column: Type.String({ minLength: 1 }),
    map: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Record(Type.String(), Type.Number())])),
    /** Number of classes: labels become one-hot vectors of this length. */
    oneHot: Type.Optional(Type.Integer({ minimum: 2 })),
  },
  { additionalProperties: false },
);

export const CsvDatasetConfigSchema = Type.Object(
  {
    format: Type.Literal('csv'),
    path: Type.String({ minLength: 1 }),
    header: Type.Boolean(),
    /** Column names in file order: required without a header; with one, checked against it. */
    columns: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
    delimiter: Type.Optional(Type.String({ minLength: 1, maxLength: 1 })),
    dropColumns: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    /** The token that marks a missing value, e.g. "?". Empty fields are always missing. */
    missing: Type.Optional(Type.String()),
    /** Drop rows with a missing value in a kept column (after dropColumns); otherwise such a row is an error. */
    dropMissing: Type.Optional(Type.Boolean()),
    label: LabelSchema,
    split: SplitSchema,
  },
  { additionalProperties: false },
);

export const IdxDatasetConfigSchema = Type.Object(
  {
    format: Type.Literal('idx'),
    images: Type.String({ minLength: 1 }),
    labels: Type.String({ minLength: 1 }),
    /** Separate test files (e.g. MNIST t10k); when absent the split cuts the training files. */
    testImages: Type.Optional(Type.String({ minLength: 1 })),
    testLabels: Type.Optional(Type.String({ minLength: 1 })),
    /** Divide pixel bytes by 255 into [0, 1] (default true). */
    normalize: Type.Optional(Type.Boolean()),
    /** Number of classes for one-hot labels; absent: one class id per example (sparse). */
    oneHot: Type.Optional(Type.Integer({ minimum: 2, maximum: 256 })),
    /** Use only the first `limit` examples of each file. */
    limit: Type.Optional(Type.Integer({ minimum: 1 })),
    split: Type.Optional(SplitSchema),
  },
  { additionalProperties: false },
);

export const DatasetConfigSchema = Type.Union([CsvDatasetConfigSchema, IdxDatasetConfigSchema], { $id: 'DatasetConfig' });

export type SplitConfig = Static<typeof SplitSchema>;
export type CsvDatasetConfig = Static<typeof CsvDatasetConfigSchema>;
export type IdxDatasetConfig = Static<typeof IdxDatasetConfigSchema>;
export type DatasetConfig = Static<typeof DatasetConfigSchema>;

const csvCheck = TypeCompiler.Compile(CsvDatasetConfigSchema);
const idxCheck = TypeCompiler.Compile(IdxDatasetConfigSchema);

/** Validates a dataset config object, or throws DatasetConfigInvalidError naming each bad field. */
export function parseDatasetConfig(value: unknown, source = 'dataset config'): DatasetConfig {
  const format = (value as { format?: unknown } | null)?.format;
  const check = format === 'csv' ? csvCheck : format === 'idx' ? idxCheck : null;
  if (!check) {
    throw new DatasetConfigInvalidError(`${source}: "format" must be "csv" or "idx" (got ${JSON.stringify(format)}).`, { details: {
      source,
      errors: [{ path: '/format', message: 'expected "csv" or "idx"' }],
    } });
  }
  if (check.Check(value)) {
    const config = value as DatasetConfig;
    if (config.format === 'csv' && !config.header && !config.columns) {
      throw new DatasetConfigInvalidError(`${source}: a CSV without a header needs "columns" (the column names in file order).`, { details: {
        source,
        errors: [{ path: '/columns', message: 'required when header is false' }],
      } });
    }
    if (config.split && config.split.trainFraction === undefined && config.split.trainSize === undefined) {
      throw new DatasetConfigInvalidError(`${source}: "split" needs trainFraction or trainSize.`, { details: {
        source,
        errors: [{ path: '/split', message: 'trainFraction or trainSize required' }],
      } });
    }
    return config;
  }
  const errors = [...check.Errors(value)].slice(0, 20).map((e) => ({ path: e.path || '/', message: e.message }));
  throw new DatasetConfigInvalidError(`${source}: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}.`, { details: { source, errors } });
}

/** Reads and validates a dataset config file; returns it with the folder its relative paths start from. */
export function readDatasetConfig(path: string): { config: DatasetConfig; baseDir: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new DatasetFileError(`Cannot read the dataset config ${path}: ${(error as Error).message}`, { details: { file: path }, cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DatasetConfigInvalidError(`The dataset config ${path} is not valid JSON: ${(error as Error).message}`, { details: { file: path } });
  }
  return { config: parseDatasetConfig(json, path), baseDir: dirname(path) };
}
