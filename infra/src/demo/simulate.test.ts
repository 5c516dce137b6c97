import { initBackend } from '@cloister/client';
import { FLAMBY_FIGURES } from './datasets/heartDisease';
import { simulateHeartFederation } from './simulate';

describe('simulateHeartFederation', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'auto' });
  });

  it('with the task defaults beats FLamby’s FedAvg figures on split seeds 0 and 1, deterministically', async () => {
    for (const splitSeed of [0, 1]) {
      const rounds = await simulateHeartFederation({ splitSeed });
      expect(rounds).toHaveLength(5);
      const last = rounds[4]!;
      expect(last.perSite).toHaveLength(4);
      expect(last.meanPerSite).toBeGreaterThan(FLAMBY_FIGURES.fedavg.meanPerSite);
      expect(last.pooled).toBeGreaterThan(FLAMBY_FIGURES.fedavg.pooled);
      if (splitSeed === 0) expect(await simulateHeartFederation({ splitSeed })).toEqual(rounds);
    }
  });

  it('a proximal term changes the trajectory (fedProxMu reaches the client training)', async () => {
    const withMu = await simulateHeartFederation({ rounds: 1, training: { fedProxMu: 3 } });
    const without = await simulateHeartFederation({ rounds: 1, training: { fedProxMu: 0 } });
    expect(withMu[0]!.perSite).not.toEqual(without[0]!.perSite);
  });
});
