// An in-process federation for attack experiments: real tfjs training of every participant (@cloister/client's
// trainRound on the shared model runtime), participant behaviours from behaviours.ts, and the aggregator's own code for
// everything after the upload: validateUpdate, the example-count bound, the strategy (FedAvg, FLTrust, trimmed mean,
// …), the validation-set evaluator and the scores. Sealing, the chain and the coordinator are left out: they carry the
// updates but do not change them, and without them a 12-round, 10-participant MNIST run fits a benchmark.
import {
  buildStrategy,
  checkExampleCount,
  exampleCountBounds,
  layoutOf,
  keptPrecisionFor,
  MemoryStateStore,
  scoreRound,
  SCORE_TOTAL,
  setCoalitionCoefficients,
  unflatten,
  UpdateStore,
  validateUpdate,
  ValidationEvaluator,
  type RoundContext,
  type ScoreInput,
} from '@cloister/aggregator-rofl';
import { buildModel, createRng, evaluateModel, setModelWeights, trainRound, type Examples, type NamedTensor } from '@cloister/client';
import { isTrainingTaskSpec, parseTaskSpec, type ScoringMethod, type TrainingTaskSpec, type UpdatePayload } from '@cloister/protocol';
import { applyBehaviour, flipLabels, littleIsEnoughZ, trains, type Behaviour } from './behaviours';

export type FederationParticipant = { dataset: Examples; behaviour: Behaviour };

export type FederationOptions = {
  /** The task: model, training settings, aggregation (strategy, norm bound), exampleCountBound (validated here). */
  spec: TrainingTaskSpec;
  initialModel: NamedTensor[];
  participants: FederationParticipant[];
  /** The task author's validation set (no participant holds it) and the test set accuracy is reported on. */
  validation: Examples;
  test: Examples;
  rounds: number;
  seed: number;
  /** Scores computed each round for the report (the spec's own method decides nothing here). */
  scoring: ScoringMethod[];
  sampleBudget?: number;
  onRound?: (round: FederationRound) => void;
};

export type FederationRound = {
  round: number;
  /** Test accuracy and loss of the new global model. */
  accuracy: number;
  loss: number;
  /** Each participant's reward share (score / 1e6) under each scoring method; 0 when excluded. */
  shares: Partial<Record<ScoringMethod, number[]>>;
  /** Each participant's contribution as a fraction of the round's gain u(N) (alignment: its alignment); 0 when excluded. */
  contributions: Partial<Record<ScoringMethod, number[]>>;
  /** Each participant's share of the aggregate's weight (Σ aᵢ normalised); 0 when excluded or untrusted. */
  weights: number[];
  excluded: number[];
  seconds: { training: number; aggregation: number; scoring: Partial<Record<ScoringMethod, number>> };
  evaluations: Partial<Record<ScoringMethod, number>>;
};

/** Address of participant i in these experiments (the example-count bound is keyed by address). */
export function federationAddress(i: number): string {
  return `0x${(i + 1).toString(16).padStart(40, '0')}`;
}

const flatOf = (tensors: readonly NamedTensor[], size: number) => {
  const out = new Float32Array(size);
  let offset = 0;
  for (const t of tensors) {
    out.set(t.data, offset);
    offset += t.data.length;
  }
  return out;
};

export async function runFederation(options: FederationOptions): Promise<FederationRound[]> {
  const { participants } = options;
  const spec = parseTaskSpec(options.spec);
  if (!isTrainingTaskSpec(spec)) throw new RangeError('runFederation needs a training task spec');
  const n = participants.length;
  const layout = layoutOf(options.initialModel);
  const bounds = exampleCountBounds(spec);
  const stateStore = new MemoryStateStore();
  const empty: Examples = { ...options.test, features: new Float32Array(0), labels: new Float32Array(0), count: 0 };
  const datasets = participants.map((p) => (p.behaviour.kind === 'label-flip' ? flipLabels(p.dataset) : p.dataset));
  const colluders = participants.filter((p) => p.behaviour.kind === 'little-is-enough').length;
  const z = colluders > 0 ? littleIsEnoughZ(n, colluders) : 0;
  const testModel = await buildModel(spec.model.topology);
  let global = options.initialModel.map((t) => ({ ...t, shape: [...t.shape], data: t.data.slice() }));
  let previousGlobal: NamedTensor[] | null = null;
  const results: FederationRound[] = [];
  try {
    for (let round = 1; round <= options.rounds; round += 1) {
      // 1. Local work: every participant that trains does so honestly first (poisoners transform the result).
      const started = performance.now();
      const honest: (UpdatePayload | null)[] = [];
      for (let i = 0; i < n; i += 1) {
        if (!trains(participants[i]!.behaviour)) {
          honest.push(null);
          continue;
        }
        const trained = await trainRound({ spec, globalWeights: global, dataset: { train: datasets[i]!, test: empty }, seed: options.seed * 1_000_003 + round * 101 + i });
        honest.push(trained.update);
      }
      const collusion = honest.filter((u, i): u is UpdatePayload => u !== null && participants[i]!.behaviour.kind === 'little-is-enough');
      const rng = createRng(options.seed * 7919 + round);
      const updates = participants.map((p, i) =>
        applyBehaviour(p.behaviour, { honest: honest[i]!, numExamples: p.dataset.count, global, previousGlobal, colluders: collusion, z, rng }),
      );
      const training = (performance.now() - started) / 1000;

      // 2. The aggregator's path after opening: validate, bound the example count, fold, server update.
      const aggregationStarted = performance.now();
      const previousFlat = flatOf(global, layout.size);
      const evaluator = await ValidationEvaluator.create({ topology: spec.model.topology, training: spec.training, previous: previousFlat, layout, data: options.validation, seed: round });
      try {
        const strategy = buildStrategy(spec);
        const context: RoundContext = { taskId: 1n, round: BigInt(round), layout, stateStore, validation: evaluator };
        await strategy.initialize(context);
        const config = strategy.configureRound(context);
        const aggregator = strategy.beginAggregation(layout);
        let lastStep: Float32Array | null = null;
        if (previousGlobal !== null) {
          const older = flatOf(previousGlobal, layout.size);
          lastStep = previousFlat.map((x, j) => x - older[j]!);
        }
        const store = new UpdateStore(layout.size, keptPrecisionFor(n, layout.size), lastStep);
        const accepted = new Map<string, ScoreInput>();
        const excluded: number[] = [];
        updates.forEach((u, i) => {
          const address = federationAddress(i);
          const valid = validateUpdate(u, layout, spec.aggregation.updateNormBound);
          const count = valid.ok ? checkExampleCount(address, u.numExamples, bounds) : null;
          if (!valid.ok || count === null || !count.ok) {
            excluded.push(i);
            return;
          }
          aggregator.add({ participant: address, numExamples: count.numExamples, update: valid.flat, metrics: {} });
          store.add(address, valid.flat);
          accepted.set(address, { participant: address, numExamples: count.numExamples, sketch: valid.sketch });
        });
        const combined = aggregator.finish();
        for (const e of combined.excluded) {
          accepted.delete(e.participant);
          excluded.push(Number.parseInt(e.participant, 16) - 1);
        }
        const included = combined.included.filter((p) => accepted.has(p));
        const server = included.length > 0 ? await strategy.applyServerUpdate(combined.combined, context) : { delta: new Float32Array(layout.size) };
        const next = previousFlat.slice();
        for (let j = 0; j < next.length; j += 1) next[j]! += server.delta[j]!;
        const aggregation = (performance.now() - aggregationStarted) / 1000;

        // 3. Scores under each method, on coalition models rebuilt with the strategy's coefficients.
        setCoalitionCoefficients(store, included, combined.coefficients, config.weighting, (p) => accepted.get(p)!.numExamples);
        const shares: FederationRound['shares'] = {};
        const contributions: FederationRound['contributions'] = {};
        const scoringSeconds: FederationRound['seconds']['scoring'] = {};
        const evaluations: FederationRound['evaluations'] = {};
        const indexOf = (p: string) => Number.parseInt(p, 16) - 1;
        for (const method of options.scoring) {
          const before = evaluator.evaluations;
          const t0 = performance.now();
          const scored = await scoreRound({
            method,
            sampleBudget: options.sampleBudget,
            included: included.map((p) => accepted.get(p)!),
            combined: combined.combined,
            store,
            validation: evaluator,
            seed: options.seed * 31 + round,
          });
          scoringSeconds[method] = (performance.now() - t0) / 1000;
          evaluations[method] = evaluator.evaluations - before;
          const perParticipant = new Array<number>(n).fill(0);
          included.forEach((p, k) => (perParticipant[indexOf(p)] = scored.scores[k]! / SCORE_TOTAL));
          shares[method] = perParticipant;
          const gain = scored.summary.roundGain ?? 1;
          const relative = new Array<number>(n).fill(0);
          included.forEach((p, k) => (relative[indexOf(p)] = gain !== 0 ? scored.perParticipant[k]! / Math.abs(gain) : 0));
          contributions[method] = relative;
        }
        const weights = new Array<number>(n).fill(0);
        const coefficientOf = (p: string) => combined.coefficients?.get(p)?.a ?? (config.weighting === 'examples' ? accepted.get(p)!.numExamples : 1);
        const totalWeight = included.reduce((a, p) => a + coefficientOf(p), 0);
        for (const p of included) weights[indexOf(p)] = totalWeight > 0 ? coefficientOf(p) / totalWeight : 0;

        previousGlobal = global;
        global = unflatten(next, layout).map((t) => ({ ...t, data: t.data.slice() }));
        setModelWeights(testModel, global);
        const evaluation = evaluateModel(testModel, options.test, { ...spec.training, batchSize: 500 });
        const result: FederationRound = {
          round,
          accuracy: evaluation.metrics.accuracy ?? Number.NaN,
          loss: evaluation.loss,
          shares,
          contributions,
          weights,
          excluded: [...new Set(excluded)].sort((a, b) => a - b),
          seconds: { training, aggregation, scoring: scoringSeconds },
          evaluations,
        };
        results.push(result);
        options.onRound?.(result);
      } finally {
        evaluator.dispose();
      }
    }
  } finally {
    testModel.dispose();
  }
  return results;
}
