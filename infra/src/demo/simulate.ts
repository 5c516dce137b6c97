#!/usr/bin/env node
// The heart-disease federation without the stack: the same client training (`trainRound`, per-round seeds as the
// participant node uses them) and the same server strategy (`createStrategy` of the aggregator) on the same data,
// in one process, in seconds. It is how the task defaults were chosen across several split seeds; the figures it
// gives for split seed 0 equal the demo's (the demo adds the chain, the sealing and the coordinator around them).
//   node infra/dist/demo/simulate.js [--seeds 0,1,2] [--rounds N] [--lr X] [--epochs N] [--batch N] [--mu X]
//        [--hidden N] [--strategy S]
import { Command } from 'commander';
import { featureStatistics, initBackend, loadDataset, trainRound, type LocalDataset } from '@cloister/client';
import { strategyOf, flatten, layoutOf, MemoryStateStore, unflatten } from '@cloister/aggregator-rofl';
import type { Aggregation, NamedTensor } from '@cloister/protocol';
import { GlobalModelEvaluator } from './evaluate';
import { HEART_SCALING, HEART_SITES, HEART_SPLIT_SEED, heartSiteConfig, defaultDataRoot } from './datasets/heartDisease';
import { buildHeartTask, HEART_DEFAULTS, type BuiltTask, type TrainingDefaults } from './spec';

export type SimulationOptions = {
  splitSeed?: number;
  rounds?: number;
  training?: Partial<TrainingDefaults>;
  strategy?: string;
  strategyParams?: Record<string, number>;
  hiddenUnits?: number;
  dataRoot?: string;
};

export type SimulatedRound = { round: number; perSite: number[]; meanPerSite: number; pooled: number };

/**
 * Runs the heart-disease federation in memory. For a split seed other than the frozen one, the scaling constants are
 * recomputed from that seed's pooled training splits (as they were frozen for seed 0), so no test row leaks into them.
 */
export async function simulateHeartFederation(options: SimulationOptions = {}): Promise<SimulatedRound[]> {
  const splitSeed = options.splitSeed ?? HEART_SPLIT_SEED;
  const dataRoot = options.dataRoot ?? defaultDataRoot();
  const task: BuiltTask = buildHeartTask({ strategy: options.strategy, training: options.training, hiddenUnits: options.hiddenUnits });
  // The aggregator's createStrategy checks these against the strategy's parameter schema.
  if (options.strategyParams) task.spec.aggregation = { ...task.spec.aggregation, params: options.strategyParams } as Aggregation;
  let scaling = HEART_SCALING;
  if (splitSeed !== HEART_SPLIT_SEED) {
    const raw = HEART_SITES.map((site, i) => loadDataset(heartSiteConfig(site, i, dataRoot, splitSeed), { task: { features: task.spec.data.features } }));
    scaling = featureStatistics(raw.map((d) => d.train));
  }
  const sites: LocalDataset[] = HEART_SITES.map((site, i) =>
    loadDataset(heartSiteConfig(site, i, dataRoot, splitSeed), { task: { ...task.spec.data, scaling } }),
  );
  const evaluator = await GlobalModelEvaluator.create(task.spec.model.topology, task.spec.training, sites.map((s, i) => ({ name: HEART_SITES[i]!.name, test: s.test })));
  const strategy = strategyOf(task.spec.aggregation);
  const stateStore = new MemoryStateStore();
  const layout = layoutOf(task.initialWeights);
  let global: NamedTensor[] = task.initialWeights;
  const rounds = options.rounds ?? HEART_DEFAULTS.rounds;
  const out: SimulatedRound[] = [];
  try {
    for (let round = 1; round <= rounds; round++) {
      const context = { taskId: 1n, round: BigInt(round), layout, stateStore };
      await strategy.initialize(context);
      const config = strategy.configureRound(context);
      const aggregator = strategy.beginAggregation(layout, { weighting: config.weighting });
      for (const [i, dataset] of sites.entries()) {
        // The participant node trains with seed = round number (submitRound's default).
        const result = await trainRound({ spec: task.spec, globalWeights: global, dataset, seed: round });
        aggregator.add({ participant: `site-${i}`, numExamples: result.update.numExamples, update: flatten(result.update.deltas, layout), metrics: {} });
      }
      const combined = aggregator.finish();
      const { delta } = await strategy.applyServerUpdate(combined.combined, context);
      const current = flatten(global, layout);
      for (let k = 0; k < current.length; k++) current[k] = current[k]! + delta[k]!;
      global = unflatten(current, layout);
      const e = evaluator.evaluate(global);
      out.push({ round, perSite: e.perSite.map((s) => s.accuracy), meanPerSite: e.meanPerSite, pooled: e.pooled });
    }
  } finally {
    evaluator.dispose();
  }
  return out;
}

if (require.main === module) {
  const num = (v: string) => Number(v);
  const command = new Command('cloister-simulate')
    .option('--seeds <list>', 'split seeds, comma-separated', '0,1,2')
    .option('--rounds <n>', 'rounds', num)
    .option('--lr <x>', 'client learning rate', num)
    .option('--epochs <n>', 'local epochs', num)
    .option('--batch <n>', 'batch size', num)
    .option('--mu <x>', 'FedProx mu', num)
    .option('--optimizer <name>', 'client optimizer')
    .option('--hidden <n>', 'hidden units (0: logistic regression)', num)
    .option('--strategy <name>', 'server strategy')
    .option('--params <json>', 'strategy params (JSON)')
    .parse(process.argv);
  const o = command.opts<{ seeds: string; rounds?: number; lr?: number; epochs?: number; batch?: number; mu?: number; optimizer?: string; hidden?: number; strategy?: string; params?: string }>();
  const training: Partial<TrainingDefaults> = {};
  if (o.lr !== undefined) training.learningRate = o.lr;
  if (o.epochs !== undefined) training.localEpochs = o.epochs;
  if (o.batch !== undefined) training.batchSize = o.batch;
  if (o.mu !== undefined) training.fedProxMu = o.mu;
  if (o.optimizer !== undefined) training.optimizer = o.optimizer as TrainingDefaults['optimizer']; // the client's createOptimizer refuses an unknown name
  const pct = (x: number) => `${(x * 100).toFixed(1)}`;
  void (async () => {
    await initBackend({ prefer: 'auto' });
    const finals: SimulatedRound[] = [];
    for (const seed of o.seeds.split(',').map(Number)) {
      const rounds = await simulateHeartFederation({
        splitSeed: seed,
        rounds: o.rounds,
        training,
        hiddenUnits: o.hidden,
        strategy: o.strategy,
        strategyParams: o.params ? (JSON.parse(o.params) as Record<string, number>) : undefined,
      });
      const last = rounds[rounds.length - 1]!;
      finals.push(last);
      process.stdout.write(`seed ${seed}: ${rounds.map((r) => `${pct(r.meanPerSite)}/${pct(r.pooled)}`).join(' ')}  final sites ${last.perSite.map(pct).join(' ')}\n`);
    }
    const mean = (f: (r: SimulatedRound) => number) => finals.reduce((a, r) => a + f(r), 0) / finals.length;
    process.stdout.write(`mean over seeds: mean per site ${pct(mean((r) => r.meanPerSite))}  pooled ${pct(mean((r) => r.pooled))}\n`);
  })();
}
