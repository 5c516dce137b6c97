import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AGGREGATOR_ERROR_CODES } from './errors';
import * as api from './index';

describe('error registry', () => {
  it('codes are unique and all listed in README.md', () => {
    const codes = Object.values(AGGREGATOR_ERROR_CODES);
    expect(new Set(codes).size).toBe(codes.length);
    const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    for (const code of codes) expect(readme).toContain(`\`${code}\``);
  });
});

describe('public API', () => {
  it('exports the names other packages use', () => {
    for (const name of ['startAggregator', 'loadConfig', 'AppdClient', 'createStrategy', 'CentralDp', 'RdpAccountant', 'contributionScores', 'aggregateRound']) {
      expect(typeof (api as Record<string, unknown>)[name]).toBe('function');
    }
  });
});
