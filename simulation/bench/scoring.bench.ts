// Scoring cost next to aggregation cost: `npm run bench:scoring -w simulation -- [--participants 10,50]
// [--sample-budget 100] [--model cnn|dense]`. MNIST split IID over N participants, one local epoch each (real tfjs
// training), then one round of the aggregator's code: validate + FedAvg fold (the aggregation, baseline) and the
// validation-based scores (leave-one-out; GTG-Shapley at the sample budget) on the 1000-image validation set. Prints a
// table and merges { name, value, unit, baseline, ratio } entries into bench/latest.json (ratio = scoring / aggregation).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import {
  buildStrategy,
  keptPrecisionFor,
  layoutOf,
  scoreRound,
  setCoalitionCoefficients,
  UpdateStore,
  validateUpdate,
  ValidationEvaluator,
  type ScoreInput,
} from '@cloister/aggregator-rofl';
import { initBackend, trainRound, type NamedTensor } from '@cloister/client';
import type { ScoringMethod, TrainingTaskSpec, UpdatePayload } from '@cloister/protocol';
import { loadDataset } from '@cloister/client';
import { denseTopology, flattenFeatures, initialWeights, loadAttackData, mnistCnnTopology, mnistConfig, partitionIid } from '../src';

const opts = new Command()
  .option('--participants <list>', 'participant counts', '10,50')
  .option('--sample-budget <n>', 'GTG-Shapley evaluations per round', (v) => Number(v), 100)
  .option('--model <m>', 'cnn or dense', 'cnn')
  .parse()
  .opts<{ participants: string; sampleBudget: number; model: string }>();

type Entry = { name: string; value: number; unit: string; baseline: number | null; ratio: number | null };

async function main(): Promise<void> {
  await initBackend();
  const cnn = opts.model === 'cnn';
  const spec: TrainingTaskSpec = {
    version: 2,
    kind: 'training',
    name: 'scoring-bench',
    model: { topology: cnn ? mnistCnnTopology() : denseTopology({ inputs: 784, outputs: 10, seed: 5 }) },
    training: { optimizer: 'adam', learningRate: cnn ? 0.003 : 0.01, loss: 'categoricalCrossentropy', metrics: ['accuracy'], localEpochs: 1, batchSize: 32, fedProxMu: 0, clipNorm: null, noiseMultiplier: null },
    data: { features: ['pixels'], scaling: { mean: [], std: [] } },
    aggregation: { strategy: 'fedavg', params: {}, updateNormBound: 1e6, dp: null },
  };
  const shape = cnn ? <T>(x: T) => x : flattenFeatures;
  const validation = shape(loadAttackData({ participants: 2, alpha: 1, seed: 1, trainCount: 100 }).validation);
  const all = shape(loadDataset(mnistConfig()).train);
  const global: NamedTensor[] = await initialWeights(spec);
  const layout = layoutOf(global);
  const previous = new Float32Array(layout.size);
  let offset = 0;
  for (const t of global) {
    previous.set(t.data, offset);
    offset += t.data.length;
  }
  const entries: Entry[] = [];
  const rows: string[][] = [];
  for (const n of opts.participants.split(',').map(Number)) {
    const parts = partitionIid(all, n, 1);
    const updates: UpdatePayload[] = [];
    for (let i = 0; i < n; i += 1) updates.push((await trainRound({ spec, globalWeights: global, dataset: { train: parts[i]!, test: { ...parts[i]!, count: 0 } }, seed: i })).update);
    // Aggregation (baseline): validate (norm + sketch) and fold every update, then finish.
    const t0 = performance.now();
    const strategy = buildStrategy({ ...spec, modelAccess: 'public', scoring: { method: 'alignment' } });
    const aggregator = strategy.beginAggregation(layout);
    const store = new UpdateStore(layout.size, keptPrecisionFor(n, layout.size));
    const inputs: ScoreInput[] = [];
    updates.forEach((u, i) => {
      const v = validateUpdate(u, layout, 1e6);
      if (!v.ok) throw new Error(v.detail);
      aggregator.add({ participant: `p${i}`, numExamples: u.numExamples, update: v.flat, metrics: {} });
      store.add(`p${i}`, v.flat);
      inputs.push({ participant: `p${i}`, numExamples: u.numExamples, sketch: v.sketch });
    });
    const combined = aggregator.finish();
    const aggregation = (performance.now() - t0) / 1000;
    setCoalitionCoefficients(store, combined.included, combined.coefficients, 'examples', (p) => inputs.find((x) => x.participant === p)!.numExamples);
    const evaluator = await ValidationEvaluator.create({ topology: spec.model.topology, training: spec.training, previous, layout, data: validation, seed: 1 });
    const row = [String(n), aggregation.toFixed(3)];
    for (const method of ['alignment', 'leave-one-out', 'gtg-shapley'] as ScoringMethod[]) {
      const before = evaluator.evaluations;
      const t1 = performance.now();
      await scoreRound({ method, sampleBudget: opts.sampleBudget, included: inputs, combined: combined.combined, store, validation: evaluator, seed: 1 });
      const seconds = (performance.now() - t1) / 1000;
      const evaluations = evaluator.evaluations - before;
      row.push(`${seconds.toFixed(3)} (${evaluations} ev, ×${(seconds / aggregation).toFixed(0)})`);
      entries.push({ name: `scoring ${method}, N=${n}, ${opts.model}, budget ${opts.sampleBudget}`, value: seconds, unit: 's/round', baseline: aggregation, ratio: seconds / aggregation });
    }
    const t2 = performance.now();
    await evaluator.referenceUpdate();
    const reference = (performance.now() - t2) / 1000;
    row.push(reference.toFixed(3));
    entries.push({ name: `FLTrust reference update, N=${n}, ${opts.model}`, value: reference, unit: 's/round', baseline: aggregation, ratio: reference / aggregation });
    evaluator.dispose();
    rows.push(row);
    process.stderr.write(`N=${n} done\n`);
  }
  const head = ['N', 'aggregation s', 'alignment s', 'leave-one-out s', `GTG-Shapley (budget ${opts.sampleBudget}) s`, 'FLTrust reference s'];
  process.stdout.write(
    [`Scoring vs aggregation, MNIST ${opts.model} (${layout.size} parameters), validation 1000 images in 5 folds`, `| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n') + '\n',
  );
  const file = join(__dirname, 'latest.json');
  const previousEntries: Entry[] = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Entry[]) : [];
  const names = new Set(entries.map((e) => e.name));
  writeFileSync(file, JSON.stringify([...previousEntries.filter((e) => !names.has(e.name)), ...entries], null, 2));
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
