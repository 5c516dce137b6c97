import { featureStatistics, loadDataset } from '@cloister/client';
import { HEART_FEATURES, HEART_SCALING, HEART_SITES, heartSiteConfig } from './heartDisease';

describe('heart-disease sites', () => {
  const sites = HEART_SITES.map((site, i) => loadDataset(heartSiteConfig(site, i)));

  it('gives FLamby’s row counts and split sizes per hospital', () => {
    expect(sites.map((d) => d.rowsRead - d.rowsDropped)).toEqual([303, 261, 46, 130]);
    expect(sites.map((d) => [d.train.count, d.test.count])).toEqual([[199, 104], [172, 89], [30, 16], [85, 45]]);
    expect(sites[0]!.featureNames).toEqual(HEART_FEATURES);
  });

  it('freezes the scaling constants of the pooled training splits', () => {
    const stats = featureStatistics(sites.map((d) => d.train));
    stats.mean.forEach((m, i) => expect(HEART_SCALING.mean[i]).toBeCloseTo(m, 9));
    stats.std.forEach((s, i) => expect(HEART_SCALING.std[i]).toBeCloseTo(s, 9));
  });
});
