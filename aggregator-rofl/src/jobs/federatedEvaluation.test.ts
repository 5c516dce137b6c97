import { federatedEvaluation } from './aggregateRound';

describe('federatedEvaluation', () => {
  it('weights each site by its test examples, not its training examples', () => {
    const r = federatedEvaluation([
      { metrics: { numTestExamples: 100, globalTestAccuracy: 0.9, globalTestLoss: 0.2, trainLoss: 5 } },
      { metrics: { numTestExamples: 300, globalTestAccuracy: 0.5, globalTestLoss: 0.6 } },
    ]);
    expect(r).toEqual({ numTestExamples: 400, sites: 2, metrics: { accuracy: 0.6, loss: 0.5 } });
  });

  it('never reports one site alone, and skips sites without test data', () => {
    expect(federatedEvaluation([{ metrics: { numTestExamples: 10, globalTestAccuracy: 1 } }, { metrics: { numTestExamples: 0 } }])).toBeNull();
  });
});
