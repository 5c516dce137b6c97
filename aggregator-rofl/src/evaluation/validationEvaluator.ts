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

/** What a strategy or the scoring asks of the validation set (RoundContext.validation). */
export interface RoundValidation {
  /** FLTrust's server update: the previous model trained on the validation set with the task's settings, as a delta. */
  referenceUpdate(): Promise<Float32Array>;
  /** u(delta) = loss(previous) − loss(previous + delta) on the validation set: > 0 when the delta helps. */
  utility(delta: Float32Array): Promise<number>;
  /** Loss and metrics of previous + delta on the validation set. */
  evaluate(delta: Float32Array): Promise<{ loss: number; metrics: Record<string, number> }>;
  readonly examples: number;
  /** Model evaluations run so far (scoring cost). */
  readonly evaluations: number;
  dispose(): void;
}

export class ValidationEvaluator implements RoundValidation {
  private baseLoss: number | undefined;
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

  async evaluate(delta: Float32Array): Promise<{ loss: number; metrics: Record<string, number> }> {
    for (let i = 0; i < this.candidate.length; i += 1) this.candidate[i] = this.previous[i]! + delta[i]!;
    setModelWeights(this.model, unflatten(this.candidate, this.layout));
    this.evaluations += 1;
    const result = evaluateModel(this.model, this.data, { ...this.training, batchSize: 512 });
    // A diverged candidate (a scaled poison) has an infinite loss: treat it as the worst finite one.
    return { loss: Number.isFinite(result.loss) ? result.loss : Number.MAX_VALUE, metrics: result.metrics };
  }

  async utility(delta: Float32Array): Promise<number> {
    this.baseLoss ??= (await this.evaluate(new Float32Array(this.layout.size))).loss;
    return this.baseLoss - (await this.evaluate(delta)).loss;
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
