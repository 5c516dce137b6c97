import { ROUND_FAILURE_REASON } from '@cloister/protocol';
import {
  AppdUnavailableError,
  ChainMismatchError,
  CoordinatorHttpError,
  DpUnsupportedError,
  JobInvalidError,
  ModelUnavailableError,
  RoundNotClosedError,
  StrategyParamsError,
  StrategyUnknownError,
  TaskSpecInvalidError,
  TooManyUpdatesError,
} from '../errors';
import { isFinalAttempt } from './aggregationWorker';
import { failureReasonName, failureReasonOf } from './failRound';

describe('failureReasonOf: which errors end a round, with which reason', () => {
  it('a refused spec ends the round at once with SPEC_REFUSED', () => {
    for (const error of [new TaskSpecInvalidError('x'), new StrategyUnknownError('x'), new StrategyParamsError('x'), new DpUnsupportedError('x')]) {
      expect(failureReasonOf(error, false)).toBe(ROUND_FAILURE_REASON.SpecRefused);
    }
  });

  it('an unverifiable previous model ends it with MODEL_UNAVAILABLE; an error a retry cannot fix with AGGREGATION_FAILED', () => {
    expect(failureReasonOf(new ModelUnavailableError('x'), false)).toBe(ROUND_FAILURE_REASON.ModelUnavailable);
    expect(failureReasonOf(new TooManyUpdatesError('x'), false)).toBe(ROUND_FAILURE_REASON.AggregationFailed);
  });

  it('transient errors are retried, and end the round only on the final attempt', () => {
    for (const error of [new AppdUnavailableError('x'), new CoordinatorHttpError('x'), new Error('ECONNRESET')]) {
      expect(failureReasonOf(error, false)).toBeNull();
      expect(failureReasonOf(error, true)).toBe(ROUND_FAILURE_REASON.AggregationFailed);
    }
  });

  it('errors about the job, not the round, never fail a round', () => {
    for (const error of [new JobInvalidError('x'), new ChainMismatchError('x'), new RoundNotClosedError('x')]) {
      expect(failureReasonOf(error, true)).toBeNull();
    }
  });

  it('names reasons for logs and labels; the final attempt is the one BullMQ will not retry', () => {
    expect(failureReasonName(ROUND_FAILURE_REASON.BelowPrivacyFloor)).toBe('BelowPrivacyFloor');
    expect(failureReasonName(42)).toBe('reason-42');
    expect(isFinalAttempt({ attemptsMade: 0, opts: { attempts: 3 } })).toBe(false);
    expect(isFinalAttempt({ attemptsMade: 2, opts: { attempts: 3 } })).toBe(true);
    expect(isFinalAttempt({ attemptsMade: 0, opts: {} })).toBe(true);
  });
});
