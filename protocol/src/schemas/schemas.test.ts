import { SchemaValidationError } from '../errors.js';
import {
  AggregationJobSchema,
  EXCLUSION_REASON,
  ErrorResponseSchema,
  HEADERS,
  ROUND_STATE,
  RoundEventSchema,
  aggregationJobId,
  aggregatorAuthMessage,
  check,
  validate,
} from './index.js';

describe('schemas', () => {
  it('validates aggregation jobs, round events and error bodies', () => {
    const job = {
      taskId: '1',
      round: 1,
      chainId: '31337',
      taskManager: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
      updates: [
        {
          participant: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
          ciphertextHash: `0x${'00'.repeat(32)}`,
          size: 10,
          location: 'x',
        },
      ],
    };
    expect(validate(AggregationJobSchema, job)).toBe(job);
    expect(() => validate(AggregationJobSchema, { ...job, taskId: 1 })).toThrow(/\/taskId/);
    expect(() => validate(AggregationJobSchema, { ...job, taskId: '01' })).toThrow(SchemaValidationError);
    expect(
      check(RoundEventSchema, { taskId: '1', round: 2, event: 'round:opened', deadline: 1700000000 }),
    ).toBe(true);
    expect(check(RoundEventSchema, { taskId: '1', round: -1 })).toBe(false);
    expect(
      check(ErrorResponseSchema, {
        statusCode: 400,
        code: 'CLOISTER_ERR_X',
        error: 'Bad Request',
        message: 'm',
      }),
    ).toBe(true);
  });

  it('shares the contract numbers and wire names', () => {
    expect(EXCLUSION_REASON.RobustFilter).toBe(9);
    expect(EXCLUSION_REASON.ExampleCountExceeded).toBe(10);
    expect(ROUND_STATE.Rejected).toBe(6);
    expect(HEADERS.signature).toBe('x-cloister-signature');
    expect(aggregationJobId(1n, 2, 1700000000)).toBe('aggregate-1-2-1700000000');
    expect(aggregatorAuthMessage('get', '/v1/x', 5)).toBe('cloister-aggregator:GET:/v1/x:5');
  });
});
