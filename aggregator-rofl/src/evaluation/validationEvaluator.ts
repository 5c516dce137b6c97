// The aggregator's model runtime on the task author's validation set, inside the TEE: the loss of a candidate model
// (previous global model + a delta), and FLTrust's reference update trained on the set. One tfjs model per job, built
// from the spec's topology by @cloister/model-runtime (the same code the participants train with).
import {
  buildModel,
  computeDeltas,
  evaluateModel,
  initBackend,
  setModelWeights,
  trainLocal,
  type Examples,
  type LayersModel,
  type TrainingSettings,
} from '@cloister/model-runtime';
import type { ModelLayout } from '../model/layout';
import { flatten, unflatten } from '../model/layout';

let backend: Promise<unknown> | undefined;

/** Disjoint folds the validation set is evaluated on for the utility (fewer when it has fewer examples). */
export const VALIDATION_FOLDS = 5;

/** Rows [from, to) of row-major examples, as views. */
function rows(data: Examples, from: number, to: number): Examples {
  const f = data.featureShape.reduce((a, b) => a * b, 1);
  const l = data.labelShape.reduce((a, b) => a * b, 1);
  return { ...data, features: data.features.subarray(from * f, to * f), labels: data.labels.subarray(from * l, to * l), count: to - from };
}

/** What a strategy or the scoring asks of the validation set (RoundContext.validation). */
export interface RoundValidation {
  /** FLTrust's server update: the previous model trained on the validation set with the task's settings, as a delta. */
  referenceUpdate(): Promise<Float32Array>;
  /**
   * u(delta) = loss(previous) − loss(previous + delta) on each of VALIDATION_FOLDS disjoint folds of the validation set
   * (> 0 when the delta helps); the folds let the scores tell a contribution from evaluation noise.
   */
  utility(delta: Float32Array): Promise<readonly number[]>;
  /** Loss and metrics of previous + delta on the validation set. */
  evaluate(delta: Float32Array): Promise<{ loss: number; metrics: Record<string, number> }>;
  readonly examples: number;
  /** Model evaluations run so far (scoring cost). */
  readonly evaluations: number;
  dispose(): void;
}

export class ValidationEvaluator implements RoundValidation {
  private baseLosses: number[] | undefined;
  private readonly folds: Examples[];
  private reference: Promise<Float32Array> | undefined;
  private readonly candidate: Float32Array;
  evaluations = 0;

  private constructor(
    private readonly model: LayersModel,
    private readonly previous: Float32Array,
    private readonly layout: ModelLayout,
    private readonly data: Examples,
    private readonly training: TrainingSettings,
    private readonly seed: number,
  ) {
    this.candidate = new Float32Array(layout.size);
    const k = Math.max(1, Math.min(VALIDATION_FOLDS, data.count));
    this.folds = Array.from({ length: k }, (_, i) => rows(data, Math.floor((i * data.count) / k), Math.floor(((i + 1) * data.count) / k)));
  }

  /** Builds the task's model once for the job. `previous` is the round's global model, flat in layout order. */
  static async create(options: {
    topology: unknown;
    training: TrainingSettings;
    previous: Float32Array;
    layout: ModelLayout;
    data: Examples;
    /** Seed of the reference update's batch shuffles (per round: reproducible). */
    seed: number;
  }): Promise<ValidationEvaluator> {
    backend ??= initBackend();
    await backend;
    const model = await buildModel(options.topology);
    return new ValidationEvaluator(model, options.previous, options.layout, options.data, options.training, options.seed);
  }

  get examples(): number {
    return this.data.count;
  }

  private setCandidate(delta: Float32Array): void {
    for (let i = 0; i < this.candidate.length; i += 1) this.candidate[i] = this.previous[i]! + delta[i]!;
    setModelWeights(this.model, unflatten(this.candidate, this.layout));
    this.evaluations += 1;
  }

  async evaluate(delta: Float32Array): Promise<{ loss: number; metrics: Record<string, number> }> {
    this.setCandidate(delta);
    const result = evaluateModel(this.model, this.data, { ...this.training, batchSize: 512 });
    return { loss: finiteLoss(result.loss), metrics: result.metrics };
  }

  private foldLosses(delta: Float32Array): number[] {
    this.setCandidate(delta);
    return this.folds.map((fold) => finiteLoss(evaluateModel(this.model, fold, { ...this.training, metrics: [], batchSize: 512 }).loss));
  }

  async utility(delta: Float32Array): Promise<readonly number[]> {
    this.baseLosses ??= this.foldLosses(new Float32Array(this.layout.size));
    const losses = this.foldLosses(delta);
    return losses.map((loss, k) => this.baseLosses![k]! - loss);
  }

  referenceUpdate(): Promise<Float32Array> {
    this.reference ??= this.trainReference();
    return this.reference;
  }

  private async trainReference(): Promise<Float32Array> {
    const previous = unflatten(this.previous, this.layout);
    setModelWeights(this.model, previous);
    const trained = await trainLocal({ model: this.model, globalWeights: previous, data: this.data, settings: this.training, seed: this.seed });
    const deltas = computeDeltas(trained.weights, previous);
    return flatten(deltas, this.layout).slice();
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** A diverged candidate (a scaled poison) has an infinite loss: treat it as the worst finite one. */
function finiteLoss(loss: number): number {
  return Number.isFinite(loss) ? loss : Number.MAX_VALUE;
}
