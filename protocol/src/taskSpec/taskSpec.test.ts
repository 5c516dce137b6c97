import { SchemaValidationError } from '../errors.js';
import { check } from '../schemas/validate.js';
import {
  DEFAULT_TRAINING,
  STRATEGY_PARAMS_SCHEMAS,
  TaskSpecSchema,
  isTrainingTaskSpec,
  parseTaskSpec,
  type StatisticsTaskSpec,
  type TaskSpecV1,
  type TrainingTaskSpec,
} from './index.js';
import { STRATEGIES } from '../schemas/constants.js';

const v1: TaskSpecV1 = {
  version: 1,
  name: 'heart-disease',
  model: { topology: { class_name: 'Sequential', config: { layers: [] } } },
  training: DEFAULT_TRAINING,
  data: { features: ['age', 'sex'], scaling: { mean: [54, 0.7], std: [9, 0.5] } },
  aggregation: { strategy: 'fedavg', params: {}, updateNormBound: 1000, dp: { clipNorm: 1, noiseMultiplier: 1, delta: 1e-5 } },
};

const v2: TrainingTaskSpec = {
  version: 2,
  kind: 'training',
  name: 'heart-disease',
  model: v1.model,
  training: DEFAULT_TRAINING,
  data: { features: ['age', 'sex'], label: 'num > 0', scaling: { mean: [54, 0.7], std: [9, 0.5] } },
  aggregation: { strategy: 'fedadam', params: { eta: 0.05, beta1: 0.9 }, updateNormBound: 1000, dp: null },
};

const statistics: StatisticsTaskSpec = {
  version: 2,
  kind: 'statistics',
  name: 'heart-disease statistics',
  data: { features: ['age', 'sex'], label: 'num > 0' },
};

const HASH = `0x${'ab'.repeat(32)}`;

/** The `{ path, message }` entries of the SchemaValidationError that `parseTaskSpec(document)` throws. */
function errorsOf(document: unknown): { path: string; message: string }[] {
  try {
    parseTaskSpec(document);
  } catch (error) {
    expect(error).toBeInstanceOf(SchemaValidationError);
    return (error as SchemaValidationError).details?.errors as { path: string; message: string }[];
  }
  throw new Error('expected parseTaskSpec to refuse the document');
}
const pathsOf = (document: unknown) => errorsOf(document).map((e) => e.path);

describe('parseTaskSpec', () => {
  it('upgrades a version 1 document to version 2 in memory, with the defaults, leaving the document untouched', () => {
    const before = JSON.stringify(v1);
    const spec = parseTaskSpec(v1);
    expect(spec).toEqual({
      version: 2,
      kind: 'training',
      modelAccess: 'public',
      scoring: { method: 'alignment' },
      name: v1.name,
      model: v1.model,
      training: v1.training,
      data: v1.data,
      aggregation: v1.aggregation,
    });
    expect(JSON.stringify(v1)).toBe(before);
  });

  it('loads a version 2 training spec and fills in model access and scoring only when absent', () => {
    const spec = parseTaskSpec(v2);
    expect(isTrainingTaskSpec(spec)).toBe(true);
    expect(spec).toMatchObject({ modelAccess: 'public', scoring: { method: 'alignment' } });
    const full = parseTaskSpec({
      ...v2,
      modelAccess: 'consortium',
      validationSet: { hash: HASH, uri: 'blobs/validation' },
      scoring: { method: 'gtg-shapley', sampleBudget: 64 },
      exampleCountBound: { source: 'statistics', onExceed: 'clamp' },
      data: { features: ['age', 'sex'] },
      statistics: { resultHash: HASH },
    });
    expect(full).toMatchObject({ modelAccess: 'consortium', scoring: { method: 'gtg-shapley', sampleBudget: 64 } });
  });

  it('loads a statistics spec', () => {
    const spec = parseTaskSpec(statistics);
    expect(spec).toEqual(statistics);
    expect(isTrainingTaskSpec(spec)).toBe(false);
    expect(pathsOf({ ...statistics, model: v1.model })).toEqual(['/model']);
  });

  it('refuses an unknown version or kind', () => {
    expect(pathsOf({ ...v2, version: 3 })).toEqual(['/version']);
    expect(pathsOf({ ...v2, kind: 'inference' })).toEqual(['/kind']);
    expect(pathsOf('spec')).toEqual(['/']);
  });

  it('lists every failing path, the strategy parameters by name', () => {
    const errors = errorsOf({
      ...v2,
      training: { ...DEFAULT_TRAINING, batchSize: 0 },
      aggregation: { ...v2.aggregation, params: { etaa: 0.1, beta2: 2 } },
    });
    const paths = errors.map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining(['/training/batchSize', '/aggregation/params/etaa', '/aggregation/params/beta2']),
    );
    expect(errors.find((e) => e.path === '/aggregation/params/etaa')?.message).toMatch(/fedadam takes no parameter "etaa"/);
    expect(pathsOf({ ...v2, aggregation: { ...v2.aggregation, strategy: 'fedmagic' } })).toEqual(['/aggregation/strategy']);
    expect(pathsOf({ ...v2, aggregation: { ...v2.aggregation, updateNormBound: 0 } })).toEqual([
      '/aggregation/updateNormBound',
    ]);
  });

  it("refuses a parameter that belongs to another strategy, in version 1 documents too", () => {
    // FedAvg used to drop serverMomentum silently; a vote could approve a spec that did not do what it said.
    expect(pathsOf({ ...v1, aggregation: { ...v1.aggregation, params: { serverMomentum: 0.9 } } })).toEqual([
      '/aggregation/params/serverMomentum',
    ]);
    expect(pathsOf({ ...v2, aggregation: { strategy: 'krum', params: { numToKeep: 2 }, updateNormBound: 1, dp: null } })).toEqual([
      '/aggregation/params/numToKeep',
    ]);
    expect(pathsOf({ ...v2, aggregation: { strategy: 'fedadagrad', params: { beta1: 0.5 }, updateNormBound: 1, dp: null } })).toEqual([
      '/aggregation/params/beta1',
    ]);
    expect(pathsOf({ ...v2, aggregation: { strategy: 'trimmed-mean', params: { beta: 0.5 }, updateNormBound: 1, dp: null } })).toEqual([
      '/aggregation/params/beta',
    ]);
    expect(pathsOf({ ...v1, aggregation: { ...v1.aggregation, params: { accumulator: 'float16' } } })).toEqual([
      '/aggregation/params/accumulator',
    ]);
  });

  it('checks the rules between sections', () => {
    const dp = { clipNorm: 1, noiseMultiplier: 1, delta: 1e-5 };
    expect(pathsOf({ ...v2, aggregation: { strategy: 'median', params: {}, updateNormBound: 1, dp } })).toEqual([
      '/aggregation/dp',
    ]);
    expect(pathsOf({ ...v2, scoring: { method: 'leave-one-out' } })).toEqual(['/validationSet']);
    expect(
      pathsOf({ ...v2, validationSet: { hash: HASH, uri: 'v' }, scoring: { method: 'leave-one-out', sampleBudget: 3 } }),
    ).toEqual(['/scoring/sampleBudget']);
    expect(pathsOf({ ...v2, exampleCountBound: { source: 'statistics', onExceed: 'exclude' } })).toEqual(['/statistics']);
    expect(pathsOf({ ...v2, data: { features: ['age'] } })).toEqual(['/data/scaling']);
    expect(pathsOf({ ...v2, statistics: { resultHash: HASH } })).toEqual(['/data/scaling']);
    expect(pathsOf({ ...v2, modelAccess: 'private' })).toEqual(['/modelAccess']);
    expect(pathsOf({ ...v2, extra: 1 })).toEqual(['/extra']);
  });
});

describe('strategy parameter schemas', () => {
  it('has one schema per strategy, each refusing unknown parameters', () => {
    expect(Object.keys(STRATEGY_PARAMS_SCHEMAS).sort()).toEqual([...STRATEGIES].sort());
    for (const name of STRATEGIES) {
      expect(check(STRATEGY_PARAMS_SCHEMAS[name], {})).toBe(true);
      expect(check(STRATEGY_PARAMS_SCHEMAS[name], { unknownParameter: 1 })).toBe(false);
    }
  });

  it('TaskSpecSchema (the JSON schema of a stored version 2 document) accepts both kinds', () => {
    expect(check(TaskSpecSchema, v2)).toBe(true);
    expect(check(TaskSpecSchema, statistics)).toBe(true);
    expect(check(TaskSpecSchema, v1)).toBe(false);
  });
});
