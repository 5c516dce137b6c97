// The task spec document (its sha256 is `modelSpecHash` on chain). Version 2 adds the task kind (training or
// statistics), model access, a validation set sealed to the TEE, the scoring method, the example-count bound and the
// statistics result a training task takes its scaling from. Version 1 documents still load: `parseTaskSpec` upgrades
// them in memory (the stored bytes, and so the hash, never change).
import { Type, type Static, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox';
import { SchemaValidationError } from '../errors.js';
import { OPTIMIZERS, STRATEGIES, type StrategyName } from '../schemas/constants.js';
import { AddressSchema, Bytes32Schema } from '../schemas/primitives.js';
import { schemaErrors, type SchemaErrorEntry } from '../schemas/validate.js';
import { MEAN_STRATEGIES, STRATEGY_PARAMS_SCHEMAS } from './strategyParams.js';

const literals = <T extends readonly string[]>(values: T): TUnion<TLiteral<T[number]>[]> =>
  Type.Union(values.map((v) => Type.Literal(v as T[number])));
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const strict = { additionalProperties: false } as const;

const ModelSchema = Type.Object(
  { topology: Type.Record(Type.String(), Type.Unknown(), { description: 'tf.LayersModel.toJSON() modelTopology' }) },
  strict,
);
const TrainingSchema = Type.Object(
  {
    optimizer: literals(OPTIMIZERS),
    learningRate: Type.Number({ exclusiveMinimum: 0 }),
    loss: Type.String({ minLength: 1 }),
    metrics: Type.Array(Type.String({ minLength: 1 })),
    localEpochs: Type.Integer({ minimum: 1, maximum: 1000 }),
    batchSize: Type.Integer({ minimum: 1 }),
    fedProxMu: Type.Number({ minimum: 0 }),
    clipNorm: Nullable(Type.Number({ exclusiveMinimum: 0 })),
    noiseMultiplier: Nullable(Type.Number({ minimum: 0 })),
  },
  strict,
);
const FeaturesSchema = Type.Array(Type.String({ minLength: 1 }), { minItems: 1 });
const ScalingSchema = Type.Object({ mean: Type.Array(Type.Number()), std: Type.Array(Type.Number()) });
const CentralDpSchema = Type.Object(
  {
    clipNorm: Type.Number({ exclusiveMinimum: 0 }),
    noiseMultiplier: Type.Number({ minimum: 0 }),
    delta: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }),
  },
  strict,
);
const UpdateNormBoundSchema = Type.Number({ exclusiveMinimum: 0 });

/** Version 1, as it was: `aggregation.params` is an untyped record (checked per strategy by `parseTaskSpec`). */
export const TaskSpecV1Schema = Type.Object(
  {
    version: Type.Literal(1),
    name: Type.String({ minLength: 1, maxLength: 128 }),
    model: ModelSchema,
    training: TrainingSchema,
    data: Type.Object({
      features: FeaturesSchema,
      label: Type.Optional(Type.String({ minLength: 1 })),
      scaling: ScalingSchema,
    }),
    aggregation: Type.Object(
      {
        strategy: literals(STRATEGIES),
        params: Type.Record(Type.String(), Type.Union([Type.Number(), Type.Boolean(), Type.String()])),
        updateNormBound: UpdateNormBoundSchema,
        dp: Nullable(CentralDpSchema),
      },
      strict,
    ),
  },
  { additionalProperties: false, $id: 'TaskSpecV1' },
);
export type TaskSpecV1 = Static<typeof TaskSpecV1Schema>;

function aggregationOf<N extends StrategyName>(strategy: N) {
  return Type.Object(
    {
      strategy: Type.Literal(strategy),
      params: STRATEGY_PARAMS_SCHEMAS[strategy],
      updateNormBound: UpdateNormBoundSchema,
      dp: Nullable(CentralDpSchema),
    },
    strict,
  );
}
const AGGREGATION_BY_STRATEGY = {
  fedavg: aggregationOf('fedavg'),
  fedavgm: aggregationOf('fedavgm'),
  fedadam: aggregationOf('fedadam'),
  fedyogi: aggregationOf('fedyogi'),
  fedadagrad: aggregationOf('fedadagrad'),
  median: aggregationOf('median'),
  'trimmed-mean': aggregationOf('trimmed-mean'),
  krum: aggregationOf('krum'),
  'multi-krum': aggregationOf('multi-krum'),
  fltrust: aggregationOf('fltrust'),
} as const;
/** `aggregation`: the strategy, its own parameters (nothing else), the update norm bound and central DP. */
export const AggregationSchema = Type.Union([
  AGGREGATION_BY_STRATEGY.fedavg,
  AGGREGATION_BY_STRATEGY.fedavgm,
  AGGREGATION_BY_STRATEGY.fedadam,
  AGGREGATION_BY_STRATEGY.fedyogi,
  AGGREGATION_BY_STRATEGY.fedadagrad,
  AGGREGATION_BY_STRATEGY.median,
  AGGREGATION_BY_STRATEGY['trimmed-mean'],
  AGGREGATION_BY_STRATEGY.krum,
  AGGREGATION_BY_STRATEGY['multi-krum'],
  AGGREGATION_BY_STRATEGY.fltrust,
]);
export type Aggregation = Static<typeof AggregationSchema>;

export const TASK_KINDS = ['training', 'statistics'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];
export const MODEL_ACCESS = ['public', 'consortium'] as const;
export type ModelAccess = (typeof MODEL_ACCESS)[number];
export const SCORING_METHODS = ['alignment', 'leave-one-out', 'gtg-shapley'] as const;
export type ScoringMethod = (typeof SCORING_METHODS)[number];

export const ScoringSchema = Type.Object(
  {
    method: literals(SCORING_METHODS),
    sampleBudget: Type.Optional(
      Type.Integer({ minimum: 1, description: 'gtg-shapley: most subset evaluations per round' }),
    ),
  },
  strict,
);
export type Scoring = Static<typeof ScoringSchema>;

export const ExampleCountBoundSchema = Type.Object(
  {
    source: Type.Union([Type.Literal('statistics'), Type.Literal('declared')], {
      description: "where each participant's bound comes from: its statistics-round count, or its declared count",
    }),
    onExceed: Type.Union([Type.Literal('exclude'), Type.Literal('clamp')]),
    declared: Type.Optional(
      Type.Record(AddressSchema, Type.Integer({ minimum: 1 }), {
        description: 'source declared: the governance-approved example count of each participant (approved with the spec)',
      }),
    ),
  },
  strict,
);
export type ExampleCountBound = Static<typeof ExampleCountBoundSchema>;

export const ValidationSetSchema = Type.Object(
  {
    hash: Bytes32Schema,
    uri: Type.String({ minLength: 1, description: 'where the TEE fetches the sealed validation set' }),
  },
  { additionalProperties: false, description: 'a validation set sealed to the TEE: only the aggregator reads it' },
);
export type ValidationSet = Static<typeof ValidationSetSchema>;

const NameSchema = Type.String({ minLength: 1, maxLength: 128 });

/** Version 2, kind `training`. */
export const TrainingTaskSpecSchema = Type.Object(
  {
    version: Type.Literal(2),
    kind: Type.Literal('training'),
    name: NameSchema,
    modelAccess: Type.Optional(literals(MODEL_ACCESS)),
    model: ModelSchema,
    training: TrainingSchema,
    data: Type.Object(
      {
        features: FeaturesSchema,
        label: Type.Optional(Type.String({ minLength: 1 })),
        scaling: Type.Optional(ScalingSchema),
      },
      strict,
    ),
    aggregation: AggregationSchema,
    validationSet: Type.Optional(ValidationSetSchema),
    scoring: Type.Optional(ScoringSchema),
    exampleCountBound: Type.Optional(ExampleCountBoundSchema),
    statistics: Type.Optional(
      Type.Object(
        { resultHash: Bytes32Schema },
        { additionalProperties: false, description: 'the statistics round result this task takes its scaling from' },
      ),
    ),
  },
  { additionalProperties: false, $id: 'TrainingTaskSpec' },
);
export type TrainingTaskSpec = Static<typeof TrainingTaskSpecSchema>;

/** Version 2, kind `statistics`: per-feature statistics of the participants' training splits, combined in the TEE. */
export const StatisticsTaskSpecSchema = Type.Object(
  {
    version: Type.Literal(2),
    kind: Type.Literal('statistics'),
    name: NameSchema,
    data: Type.Object(
      { features: FeaturesSchema, label: Type.Optional(Type.String({ minLength: 1 })) },
      strict,
    ),
  },
  { additionalProperties: false, $id: 'StatisticsTaskSpec' },
);
export type StatisticsTaskSpec = Static<typeof StatisticsTaskSpecSchema>;

/** A version 2 task spec document (either kind), as stored. */
export const TaskSpecSchema = Type.Union([TrainingTaskSpecSchema, StatisticsTaskSpecSchema], { $id: 'TaskSpec' });
/** A task spec as the packages use it: version 2, with the defaults of the optional sections filled in. */
export type TaskSpec = ResolvedTrainingTaskSpec | StatisticsTaskSpec;
export type ResolvedTrainingTaskSpec = TrainingTaskSpec & { modelAccess: ModelAccess; scoring: Scoring };
/** Any document `parseTaskSpec` reads. */
export type TaskSpecDocument = TaskSpecV1 | TrainingTaskSpec | StatisticsTaskSpec;

const DEFAULT_SCORING: Scoring = { method: 'alignment' };

/**
 * Reads a task spec document (version 1 or 2) and validates it as a whole: its schema, the chosen strategy's own
 * parameters (an unknown or unused one is refused) and the rules between sections. Returns version 2 with defaults
 * filled in (`modelAccess: 'public'`, `scoring: { method: 'alignment' }`); a version 1 document is upgraded in memory.
 * Throws SchemaValidationError whose `details.errors` lists every `{ path, message }` found.
 */
export function parseTaskSpec(document: unknown, what = 'TaskSpec'): TaskSpec {
  if (!isObject(document)) fail(what, [{ path: '/', message: 'Expected a JSON object' }]);
  if (document.version === 1) return upgradeV1(document, what);
  if (document.version !== 2) fail(what, [{ path: '/version', message: 'Expected 1 or 2' }]);
  const kind = document.kind;
  if (kind === 'statistics') {
    const errors = schemaErrors(StatisticsTaskSpecSchema, document);
    if (errors.length > 0) fail(what, errors);
    return document as StatisticsTaskSpec;
  }
  if (kind !== 'training') fail(what, [{ path: '/kind', message: `Expected one of ${TASK_KINDS.join(', ')}` }]);
  const doc = document;
  // The aggregation section is checked against the named strategy's own schema first: a union's error says only
  // "expected union value", this says which parameter is wrong.
  const errors = [
    ...aggregationErrors(doc.aggregation, false),
    ...schemaErrors(TrainingTaskSpecSchema, { ...doc, aggregation: placeholderAggregation }),
  ];
  if (errors.length > 0) fail(what, errors);
  const spec = doc as TrainingTaskSpec;
  const ruleErrors = crossSectionErrors(spec);
  if (ruleErrors.length > 0) fail(what, ruleErrors);
  return { ...spec, modelAccess: spec.modelAccess ?? 'public', scoring: spec.scoring ?? DEFAULT_SCORING };
}

/** True when the spec is a training task (narrows the type). */
export function isTrainingTaskSpec(spec: TaskSpec): spec is ResolvedTrainingTaskSpec {
  return spec.kind === 'training';
}

// Stands in for `aggregation` while the rest of the document is checked, so that its errors are not reported twice.
const placeholderAggregation = { strategy: 'fedavg', params: {}, updateNormBound: 1, dp: null };

function upgradeV1(document: Record<string, unknown>, what: string): TaskSpec {
  const errors = [
    ...schemaErrors(TaskSpecV1Schema, document),
    ...aggregationErrors(document.aggregation, true),
  ];
  if (errors.length > 0) fail(what, errors);
  const v1 = document as TaskSpecV1;
  const upgraded: TrainingTaskSpec = {
    version: 2,
    kind: 'training',
    name: v1.name,
    model: v1.model,
    training: v1.training,
    data: v1.data,
    aggregation: v1.aggregation as Aggregation,
  };
  const ruleErrors = crossSectionErrors(upgraded);
  if (ruleErrors.length > 0) fail(what, ruleErrors);
  return { ...upgraded, modelAccess: 'public', scoring: DEFAULT_SCORING };
}

/** The chosen strategy's parameters against its own schema (v1 documents: only the parameters, the rest is v1's). */
function aggregationErrors(aggregation: unknown, paramsOnly: boolean): SchemaEntry[] {
  if (!isObject(aggregation)) return paramsOnly ? [] : [{ path: '/aggregation', message: 'Expected object' }];
  const strategy = aggregation.strategy;
  if (typeof strategy !== 'string' || !(STRATEGIES as readonly string[]).includes(strategy)) {
    return paramsOnly ? [] : [{ path: '/aggregation/strategy', message: `Expected one of ${STRATEGIES.join(', ')}` }];
  }
  const name = strategy as StrategyName;
  const params = aggregation.params;
  const schema = STRATEGY_PARAMS_SCHEMAS[name];
  const paramErrors = isObject(params)
    ? [
        ...unknownParameterErrors(name, params),
        ...schemaErrors(
          schema,
          Object.fromEntries(Object.entries(params).filter(([key]) => key in schema.properties)),
          '/aggregation/params',
        ),
      ]
    : [];
  if (paramsOnly) return paramErrors;
  const rest = schemaErrors(
    AGGREGATION_BY_STRATEGY[name],
    { ...aggregation, params: isObject(params) ? {} : params },
    '/aggregation',
  );
  return [...rest, ...paramErrors];
}

/** Names the parameters a strategy does not take (TypeBox says only "unexpected property"). */
function unknownParameterErrors(strategy: StrategyName, params: Record<string, unknown>): SchemaEntry[] {
  const known = Object.keys(STRATEGY_PARAMS_SCHEMAS[strategy].properties);
  return Object.keys(params)
    .filter((key) => !known.includes(key))
    .map((key) => ({
      path: `/aggregation/params/${key}`,
      message: `${strategy} takes no parameter "${key}"${known.length > 0 ? ` (it takes ${known.join(', ')})` : ''}`,
    }));
}

/** Rules between sections of a training spec, each reported at the path to change. */
function crossSectionErrors(spec: TrainingTaskSpec): SchemaEntry[] {
  const errors: SchemaEntry[] = [];
  const { aggregation, scoring, data } = spec;
  if (aggregation.dp !== null && !(MEAN_STRATEGIES as readonly string[]).includes(aggregation.strategy)) {
    errors.push({
      path: '/aggregation/dp',
      message: `central DP needs a mean-based strategy (${MEAN_STRATEGIES.join(', ')}), not ${aggregation.strategy}`,
    });
  }
  if (scoring !== undefined) {
    if (scoring.sampleBudget !== undefined && scoring.method !== 'gtg-shapley') {
      errors.push({ path: '/scoring/sampleBudget', message: `only gtg-shapley takes a sample budget, not ${scoring.method}` });
    }
    if (scoring.method !== 'alignment' && spec.validationSet === undefined) {
      errors.push({ path: '/validationSet', message: `${scoring.method} scores need a validation set sealed to the TEE` });
    }
  }
  if (aggregation.strategy === 'fltrust' && spec.validationSet === undefined) {
    errors.push({ path: '/validationSet', message: 'fltrust trains its reference update on a validation set sealed to the TEE' });
  }
  if (spec.exampleCountBound?.source === 'declared' && spec.exampleCountBound.declared === undefined) {
    errors.push({ path: '/exampleCountBound/declared', message: 'a declared example-count bound lists each participant\'s count' });
  }
  if (spec.exampleCountBound?.source === 'statistics' && spec.statistics === undefined) {
    errors.push({ path: '/statistics', message: 'an example-count bound from statistics needs statistics.resultHash' });
  }
  if (data.scaling === undefined && spec.statistics === undefined) {
    errors.push({ path: '/data/scaling', message: 'give data.scaling or reference a statistics result (statistics.resultHash)' });
  }
  if (data.scaling !== undefined && spec.statistics !== undefined) {
    errors.push({ path: '/data/scaling', message: 'give data.scaling or statistics.resultHash, not both: the scaling comes from one place' });
  }
  return errors;
}

type SchemaEntry = SchemaErrorEntry;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(what: string, errors: SchemaEntry[]): never {
  const reported = errors.slice(0, 20);
  const summary = reported.map((e) => `${e.path}: ${e.message}`).join('; ');
  throw new SchemaValidationError(`invalid ${what}: ${summary}`, { details: { schema: what, errors: reported } });
}
