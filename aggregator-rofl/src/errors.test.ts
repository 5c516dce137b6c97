// The error registry (codes unique, listed in README.md, one class each) is checked with every package's in
// cli/src/docs/errorReference.test.ts.
import * as api from './index';

describe('public API', () => {
  it('exports the names other packages use', () => {
    for (const name of ['startAggregator', 'loadConfig', 'AppdClient', 'createStrategy', 'CentralDp', 'RdpAccountant', 'contributionScores', 'aggregateRound']) {
      expect(typeof (api as Record<string, unknown>)[name]).toBe('function');
    }
  });
});
