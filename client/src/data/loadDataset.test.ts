import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadDataset } from './loadDataset';
import { featureStatistics } from './split';
import { readIdx } from './idx';

const EXAMPLES = resolve(__dirname, '../../examples/heart-disease');
const DATA = resolve(__dirname, '../../../../shared/data');
const COLUMNS = ['age', 'sex', 'cp', 'trestbps', 'chol', 'fbs', 'restecg', 'thalach', 'exang', 'oldpeak', 'slope', 'ca', 'thal', 'num'];

function tmpFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cloister-data-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('heart-disease (FLamby preprocessing)', () => {
  it.each([
    ['cleveland', 199, 104],
    ['hungarian', 172, 89],
    ['switzerland', 30, 16],
    ['va', 85, 45],
  ])('%s splits into %i train / %i test rows', (site, train, test) => {
    const ds = loadDataset(join(EXAMPLES, `${site}.json`));
    expect(ds.train.count).toBe(train);
    expect(ds.test.count).toBe(test);
    expect(ds.featureNames).toEqual(['age', 'sex', 'cp', 'trestbps', 'chol', 'fbs', 'restecg', 'thalach', 'exang', 'oldpeak']);
    expect(ds.train.featureShape).toEqual([10]);
    expect(ds.train.labels.every((v) => v === 0 || v === 1)).toBe(true);
  });

  it('is deterministic for a seed and changes with it', () => {
    const a = loadDataset(join(EXAMPLES, 'cleveland.json'));
    const b = loadDataset(join(EXAMPLES, 'cleveland.json'));
    expect(Buffer.from(a.test.features.buffer).equals(Buffer.from(b.test.features.buffer))).toBe(true);
    const c = loadDataset({
      format: 'csv', path: join(DATA, 'heart-disease/processed.cleveland.data'), header: false, columns: COLUMNS,
      dropColumns: ['slope', 'ca', 'thal'], missing: '?', dropMissing: true, label: { column: 'num', map: 'num > 0' },
      split: { seed: 7, trainFraction: 0.66 },
    });
    expect(c.test.count).toBe(104);
    expect(Buffer.from(a.test.features.buffer).equals(Buffer.from(c.test.features.buffer))).toBe(false);
  });

  it('maps the first Cleveland row: num 0 -> label 0, features in file order', () => {
    const ds = loadDataset(join(EXAMPLES, 'cleveland.json'), {});
    const all = [ds.train, ds.test];
    // Row 1 of the file: 63,1,1,145,233,1,2,150,0,2.3,...,0
    const found = all.some((e) => {
      for (let r = 0; r < e.count; r++) {
        const f = e.features.subarray(r * 10, r * 10 + 10);
        if (f[0] === 63 && f[3] === 145 && f[4] === 233 && Math.abs(f[9]! - 2.3) < 1e-6) return e.labels[r] === 0;
      }
      return false;
    });
    expect(found).toBe(true);
  });

  it('applies the task scaling (same numbers at every site) and selects task features', () => {
    const raw = loadDataset(join(EXAMPLES, 'va.json'));
    const stats = featureStatistics([raw.train, raw.test]);
    const scaled = loadDataset(join(EXAMPLES, 'va.json'), {
      task: { features: raw.featureNames, scaling: stats },
    });
    const again = featureStatistics([scaled.train, scaled.test]);
    again.mean.forEach((m) => expect(Math.abs(m)).toBeLessThan(1e-4));
    again.std.forEach((s) => expect(s).toBeCloseTo(1, 3));
    const two = loadDataset(join(EXAMPLES, 'va.json'), { task: { features: ['chol', 'age'], scaling: null } });
    expect(two.train.featureShape).toEqual([2]);
    expect(two.featureNames).toEqual(['chol', 'age']);
  });
});

describe('config and file errors name the problem', () => {
  const base = {
    format: 'csv' as const, header: false, columns: COLUMNS, dropColumns: ['slope', 'ca', 'thal'], missing: '?',
    dropMissing: true, label: { column: 'num', map: 'num > 0' }, split: { seed: 1, trainFraction: 0.5 },
  };

  it('a config with the wrong column count fails naming file, line and counts', () => {
    const path = join(DATA, 'heart-disease/processed.cleveland.data');
    expect(() => loadDataset({ ...base, path, columns: COLUMNS.slice(0, 13), dropColumns: ['slope', 'ca'], label: { column: 'thal' } }))
      .toThrow(expect.objectContaining({
        code: 'CLOISTER_ERR_CLIENT_DATASET_SCHEMA_MISMATCH',
        message: expect.stringMatching(/processed\.cleveland\.data:1: expected 13 columns .* found 14/),
      }));
  });

  it('a missing value without dropMissing names line and column', () => {
    const path = join(DATA, 'heart-disease/processed.hungarian.data');
    expect(() => loadDataset({ ...base, path, dropMissing: false })).toThrow(
      expect.objectContaining({
        code: 'CLOISTER_ERR_CLIENT_DATASET_PARSE',
        message: expect.stringContaining('processed.hungarian.data:3:5: column "chol" is missing'),
        details: expect.objectContaining({ line: 3, column: 5, columnName: 'chol' }),
      }),
    );
  });

  it('a non-numeric value names line and column', () => {
    const path = tmpFile('bad.csv', 'a,b,y\n1,2,0\n3,x,1\n');
    expect(() =>
      loadDataset({ format: 'csv', path, header: true, label: { column: 'y' }, split: { seed: 0, trainFraction: 0.5 } }),
    ).toThrow(expect.objectContaining({ message: expect.stringContaining('bad.csv:3:2: column "b" holds "x"') }));
  });

  it('a header that differs from the configured columns fails on line 1', () => {
    const path = tmpFile('h.csv', 'a,b,y\n1,2,0\n');
    expect(() =>
      loadDataset({ format: 'csv', path, header: true, columns: ['a', 'c', 'y'], label: { column: 'y' }, split: { seed: 0, trainFraction: 0.5 } }),
    ).toThrow(expect.objectContaining({ code: 'CLOISTER_ERR_CLIENT_DATASET_SCHEMA_MISMATCH', message: expect.stringContaining('h.csv:1:') }));
  });

  it('label tables map strings and reject unknown labels', () => {
    const path = tmpFile('wdbc.csv', 'id,r,diagnosis\n1,2.5,M\n2,1.5,B\n3,1.0,B\n4,3.0,M\n');
    const ds = loadDataset({
      format: 'csv', path, header: true, dropColumns: ['id'], label: { column: 'diagnosis', map: { M: 1, B: 0 } },
      split: { seed: 0, trainSize: 4, testSize: 0, shuffle: false },
    });
    expect(Array.from(ds.train.labels)).toEqual([1, 0, 0, 1]);
    const bad = tmpFile('wdbc2.csv', 'id,r,diagnosis\n1,2.5,M\n2,1.5,X\n');
    expect(() =>
      loadDataset({ format: 'csv', path: bad, header: true, dropColumns: ['id'], label: { column: 'diagnosis', map: { M: 1, B: 0 } }, split: { seed: 0, trainFraction: 0.5 } }),
    ).toThrow(expect.objectContaining({ message: expect.stringContaining('wdbc2.csv:3:3: label "X" is not in label.map') }));
  });

  it('unknown columns, schema violations and task features not in the file are rejected', () => {
    const path = join(DATA, 'heart-disease/processed.va.data');
    expect(() => loadDataset({ ...base, path, dropColumns: ['slope', 'nope'] })).toThrow(/dropColumns names "nope"/);
    expect(() => loadDataset({ ...base, path, label: { column: 'ca' } })).toThrow(/label column "ca" is not a kept column/);
    expect(() => loadDataset({ ...base, path, header: 'no' } as never)).toThrow(
      expect.objectContaining({ code: 'CLOISTER_ERR_CLIENT_DATASET_CONFIG_INVALID', message: expect.stringContaining('/header') }),
    );
    expect(() => loadDataset({ ...base, path }, { task: { features: ['age', 'bmi'] } })).toThrow(
      expect.objectContaining({ code: 'CLOISTER_ERR_CLIENT_DATASET_SCHEMA_MISMATCH', message: expect.stringContaining('bmi') }),
    );
    expect(() => loadDataset({ ...base, path }, { task: { features: ['age'], scaling: { mean: [1, 2], std: [1, 1] } } })).toThrow(
      /scaling has 2 means/,
    );
    expect(() => loadDataset({ ...base, path: join(DATA, 'heart-disease/nope.data') })).toThrow(
      expect.objectContaining({ code: 'CLOISTER_ERR_CLIENT_DATASET_FILE' }),
    );
  });
});

describe('idx (MNIST)', () => {
  it('reads gzip idx images and labels, normalised to [0, 1]', () => {
    const ds = loadDataset({
      format: 'idx',
      images: join(DATA, 'mnist/t10k-images-idx3-ubyte.gz'),
      labels: join(DATA, 'mnist/t10k-labels-idx1-ubyte.gz'),
      oneHot: 10,
      limit: 1000,
      split: { seed: 3, trainSize: 800 },
    });
    expect(ds.train.count).toBe(800);
    expect(ds.test.count).toBe(200);
    expect(ds.train.featureShape).toEqual([28, 28, 1]);
    let max = 0;
    for (const v of ds.train.features) max = Math.max(max, v);
    expect(max).toBeLessThanOrEqual(1);
    expect(max).toBeGreaterThan(0.9);
    for (let r = 0; r < 10; r++) expect(ds.train.labels.subarray(r * 10, r * 10 + 10).reduce((a, b) => a + b, 0)).toBe(1);
    expect(readIdx(join(DATA, 'mnist/t10k-labels-idx1-ubyte.gz')).dims).toEqual([10000]);
  });

  it('rejects a file that is not idx', () => {
    const path = tmpFile('x.idx', 'hello world');
    expect(() => readIdx(path)).toThrow(/not an idx file/);
  });
});
