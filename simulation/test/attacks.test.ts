// The attack suite's properties on a small seeded federation (CI): MNIST, 10 participants, Dirichlet(0.5), a dense
// softmax model, a few rounds. The full matrix (the reference CNN, 12 rounds) is `npm run bench:attacks`.
import { initBackend } from '@cloister/client';
import type { TrainingTaskSpec } from '@cloister/protocol';
import { denseTopology, flattenFeatures, initialWeights, loadAttackData, runFederation, type AttackData, type Behaviour, type BehaviourName, type FederationRound } from '../src';
import { attackSpec, freeRiderScenario, honestBehaviours, IN_PROCESS_VALIDATION_SET, poisonedBehaviours } from '../src/attacks/scenarios';

jest.setTimeout(600_000);

const ROUNDS = 6;
const N = 10;

function spec(strategy: TrainingTaskSpec['aggregation']['strategy'], extra: Partial<TrainingTaskSpec> = {}): TrainingTaskSpec {
  return attackSpec(strategy, { name: 'attack-suite', topology: denseTopology({ inputs: 784, outputs: 10, seed: 5 }), learningRate: 0.01, localEpochs: 1 }, extra);
}

describe('attack suite (MNIST, 10 participants, Dirichlet 0.5, dense model, 6 rounds)', () => {
  let data: AttackData;
  const run = async (s: TrainingTaskSpec, behaviours: Behaviour[], scoring: ('alignment' | 'leave-one-out' | 'gtg-shapley')[] = [], rounds = ROUNDS) =>
    runFederation({
      spec: s,
      initialModel: await initialWeights(s),
      participants: data.participants.map((dataset, i) => ({ dataset, behaviour: behaviours[i]! })),
      validation: data.validation,
      test: data.test,
      rounds,
      seed: 1,
      scoring,
      sampleBudget: 60,
    });
  const final = (rounds: FederationRound[]) => rounds[rounds.length - 1]!.accuracy;
  const honest = (): Behaviour[] => honestBehaviours(N);

  let clean: number;

  beforeAll(async () => {
    await initBackend();
    const loaded = loadAttackData({ participants: N, alpha: 0.5, seed: 1, trainCount: 3000, validation: 500, testCount: 2000 });
    data = { participants: loaded.participants.map(flattenFeatures), validation: flattenFeatures(loaded.validation), test: flattenFeatures(loaded.test) };
    clean = final(await run(spec('fedavg'), honest()));
  });

  it('free-riders (zero, noise, last global step) earn at most 1 % per round under validation-based scores; the 1000× claimant weighs no more than its bound', async () => {
    // 0–5 honest, 6 zero, 7 noise, 8 replay, 9 honest but claiming 1000× its examples; counts declared, clamped.
    const { behaviours, extra } = freeRiderScenario(data.participants);
    const s = spec('fedavg', extra);
    const rounds = await run(s, behaviours, ['alignment', 'leave-one-out', 'gtg-shapley'], 4);
    const total = data.participants.reduce((a, p) => a + p.count, 0);
    for (const r of rounds) {
      for (const method of ['leave-one-out', 'gtg-shapley'] as const) {
        for (const freeRider of [6, 7, 8]) expect(r.shares[method]![freeRider]).toBeLessThanOrEqual(0.01);
        const sum = r.shares[method]!.reduce((a, b) => a + b, 0);
        expect(sum === 0 || Math.abs(sum - 1) < 1e-9).toBe(true);
      }
      // FedAvg weight of the inflated claim = its declared count's share, exactly as if it had told the truth.
      expect(r.weights[9]).toBeCloseTo(data.participants[9]!.count / total, 12);
      expect(r.excluded).toEqual([]);
    }
    // The alignment score pays examples × alignment with the clamped count: the claimant's share is what its bound buys.
    for (const r of rounds) {
      const paid = data.participants.map((p, i) => p.count * Math.max(0, r.contributions.alignment![i]!));
      const sum = paid.reduce((a, b) => a + b, 0);
      expect(Math.abs(r.shares.alignment![9]! - paid[9]! / sum)).toBeLessThan(1e-5);
    }
  });

  const poisoned = (name: BehaviourName): Behaviour[] => poisonedBehaviours(name, N);

  it.each(['sign-flip', 'scale', 'label-flip'] as BehaviourName[])(
    'with 2 of 10 %s poisoners, FLTrust and Multi-Krum stay within 2 points of the clean FedAvg run',
    async (attack) => {
      const fedavg = final(await run(spec('fedavg'), poisoned(attack)));
      const fltrust = final(await run(spec('fltrust', { validationSet: IN_PROCESS_VALIDATION_SET }), poisoned(attack)));
      const krum = final(await run(spec('multi-krum'), poisoned(attack)));
      process.stdout.write(`${attack}: clean ${clean.toFixed(4)} fedavg ${fedavg.toFixed(4)} fltrust ${fltrust.toFixed(4)} multi-krum ${krum.toFixed(4)}\n`);
      expect(fltrust).toBeGreaterThanOrEqual(clean - 0.02);
      expect(krum).toBeGreaterThanOrEqual(clean - 0.02);
      // the attack is real: FedAvg falls further than either
      expect(fedavg).toBeLessThan(Math.min(fltrust, krum));
    },
  );
});
