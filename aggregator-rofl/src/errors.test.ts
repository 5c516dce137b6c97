import { readFileSync } from 'node:fs';
import path from 'node:path';
import { errorRegistryProblems } from '@cloister/protocol';
import { AGGREGATOR_ERROR_CODES } from './errors';
import * as api from './index';

describe('error registry', () => {
  it('codes are unique and all listed in README.md', () => {
    const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    expect(errorRegistryProblems({ codes: Object.values(AGGREGATOR_ERROR_CODES), readme })).toEqual([]);
  });
});

describe('public API', () => {
  it('exports the names other packages use', () => {
    for (const name of ['startAggregator', 'loadConfig', 'AppdClient', 'createStrategy', 'CentralDp', 'RdpAccountant', 'contributionScores', 'aggregateRound']) {
      expect(typeof (api as Record<string, unknown>)[name]).toBe('function');
    }
  });
});
