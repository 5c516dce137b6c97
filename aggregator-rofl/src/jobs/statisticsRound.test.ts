import { featureSums, featureSumsToMetrics } from '@cloister/protocol';
import { MemoryStateStore } from '../state/stateStore';
import { REASON } from '../strategies/types';
import { combineStatistics, loadStatisticsCounts, saveStatisticsCounts } from './statisticsRound';

describe('statistics rounds', () => {
  const site = (participant: string, rows: number[][]) => {
    const sums = featureSums(rows.flat(), rows.length, rows[0]!.length);
    return { participant, numExamples: rows.length, metrics: { ...featureSumsToMetrics(sums), numTestExamples: 3 } };
  };

  it('combines the sites, publishes totals only, and excludes inconsistent sums', () => {
    const a = site('0xA', [[1, 10], [3, 30]]);
    const b = site('0xB', [[5, 50]]);
    const liar = { ...site('0xC', [[100, 100]]), numExamples: 7 };
    const broken = { participant: '0xD', numExamples: 1, metrics: { 'statistics.count': 1 } };
    const r = combineStatistics(['x', 'y'], [a, b, liar, broken]);
    expect(r.included).toEqual(['0xA', '0xB']);
    expect(r.excluded.map((e) => [e.participant, e.reason])).toEqual([
      ['0xC', REASON.MalformedUpdate],
      ['0xD', REASON.MalformedUpdate],
    ]);
    const { std, ...rest } = r.document;
    expect(rest).toEqual({ version: 1, kind: 'statistics', features: ['x', 'y'], count: 3, participants: 2, mean: [3, 30] });
    expect(std[0]).toBeCloseTo(Math.sqrt(8 / 3), 12);
    expect(std[1]).toBeCloseTo(Math.sqrt(800 / 3), 10);
    expect(r.perSiteCounts).toEqual({ '0xA': 2, '0xB': 1 });
  });

  it('keeps the per-site counts in the state store', async () => {
    const store = new MemoryStateStore();
    await saveStatisticsCounts(store, 4n, { '0xA': 2 });
    expect(await loadStatisticsCounts(store, 4n)).toEqual({ '0xA': 2 });
    expect(await loadStatisticsCounts(store, 5n)).toBeNull();
  });

});
