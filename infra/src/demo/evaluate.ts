// The demo holds every site's data, so it can evaluate each round's global model on each site's test split and
// on the pooled test set (a view no participant has; it is the benchmark's view, not part of the protocol).
import { buildModel, evaluateModel, setModelWeights, type Examples, type TrainingSettings } from '@cloister/client';
import type { NamedTensor } from '@cloister/protocol';
import type * as tf from '@tensorflow/tfjs';

export type SiteTest = { name: string; test: Examples };
export type Evaluation = { perSite: { name: string; accuracy: number; count: number }[]; meanPerSite: number; pooled: number };

export class GlobalModelEvaluator {
  private constructor(
    private readonly model: tf.LayersModel,
    private readonly sites: SiteTest[],
    private readonly settings: TrainingSettings,
  ) {}

  static async create(topology: unknown, settings: TrainingSettings, sites: SiteTest[]): Promise<GlobalModelEvaluator> {
    return new GlobalModelEvaluator(await buildModel(topology), sites, settings);
  }

  /** Accuracy of `weights` on each site's test split, their unweighted mean, and on the pooled test set. */
  evaluate(weights: readonly NamedTensor[]): Evaluation {
    setModelWeights(this.model, weights);
    const perSite = this.sites.map((site) => {
      const result = evaluateModel(this.model, site.test, { ...this.settings, metrics: ['accuracy'] });
      return { name: site.name, accuracy: result.metrics.accuracy ?? NaN, count: site.test.count };
    });
    const total = perSite.reduce((a, s) => a + s.count, 0);
    return {
      perSite,
      meanPerSite: perSite.reduce((a, s) => a + s.accuracy, 0) / perSite.length,
      pooled: perSite.reduce((a, s) => a + s.accuracy * s.count, 0) / total,
    };
  }

  dispose(): void {
    this.model.dispose();
  }
}
