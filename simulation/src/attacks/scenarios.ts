// The attack suite's scenarios, as the CI test (test/attacks.test.ts) and the full matrix (bench/attacks.bench.ts)
// both run them: the MNIST task spec per strategy, 2 of 10 participants poisoning, and the free-rider line-up.
import type { Examples } from '@cloister/client';
import type { TrainingTaskSpec } from '@cloister/protocol';
import { behaviour, type Behaviour, type BehaviourName } from './behaviours';
import { federationAddress } from './federation';

/** FLTrust's validation set: the in-process federation hands it over directly (its hash is not checked there). */
export const IN_PROCESS_VALIDATION_SET = { hash: `0x${'00'.repeat(32)}`, uri: 'in-process' };

/** The MNIST training spec of one run: adam, batch 32, no DP; Multi-Krum is told to expect the 2 attackers (n − f = 8). */
export function attackSpec(
  strategy: string,
  model: { name: string; topology: Record<string, unknown>; learningRate: number; localEpochs: number },
  extra: Partial<TrainingTaskSpec> = {},
): TrainingTaskSpec {
  return {
    version: 2,
    kind: 'training',
    name: model.name,
    model: { topology: model.topology },
    training: { optimizer: 'adam', learningRate: model.learningRate, loss: 'categoricalCrossentropy', metrics: ['accuracy'], localEpochs: model.localEpochs, batchSize: 32, fedProxMu: 0, clipNorm: null, noiseMultiplier: null },
    data: { features: ['pixels'], scaling: { mean: [], std: [] } },
    aggregation: { strategy, params: strategy === 'multi-krum' ? { numMalicious: 2 } : {}, updateNormBound: 1e6, dp: null } as TrainingTaskSpec['aggregation'],
    ...extra,
  };
}

/** `n` honest participants. */
export function honestBehaviours(n: number): Behaviour[] {
  return Array.from({ length: n }, () => behaviour('honest'));
}

/** Participants 0 and 1 poison with `attack`, the other `n − 2` are honest. */
export function poisonedBehaviours(attack: BehaviourName, n: number): Behaviour[] {
  return [behaviour(attack), behaviour(attack), ...honestBehaviours(n - 2)];
}

/**
 * The free-rider scenario over 10 participants: 0–5 honest, 6 zero, 7 Gaussian noise, 8 last global step, 9 honest
 * but claiming 1000× its examples; every count declared, a larger claim clamped to it (the spec's `extra`).
 */
export function freeRiderScenario(participants: Examples[]): { behaviours: Behaviour[]; extra: Partial<TrainingTaskSpec> } {
  const behaviours = [...honestBehaviours(6), behaviour('zero'), behaviour('noise'), behaviour('replay'), behaviour('inflate')];
  const declared = Object.fromEntries(participants.map((p, i) => [federationAddress(i), p.count]));
  return { behaviours, extra: { exampleCountBound: { source: 'declared', onExceed: 'clamp', declared } } };
}
