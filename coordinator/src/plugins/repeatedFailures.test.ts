import { RepeatedFailureLog } from './repeatedFailures';

describe('RepeatedFailureLog (faults issue item 3: one Redis outage wrote ≈ 35 lines a second)', () => {
  it('writes the first failure, then one line per interval with the count', () => {
    const lines: Array<{ fields: Record<string, unknown>; msg: string }> = [];
    const log = { warn: (fields: Record<string, unknown>, msg: string) => lines.push({ fields, msg }) } as never;
    let now = 0;
    const failures = new RepeatedFailureLog(log, 10_000, () => now);
    for (let i = 0; i <= 400; i++) {
      failures.warn(new Error('ECONNREFUSED'), 'redis: connection error');
      now += 25;
    }
    // 10 s of failures at 40 a second: the first line, then one summary when the interval is over.
    expect(lines).toHaveLength(2);
    expect(lines[0]!.msg).toBe('redis: connection error');
    expect(lines[1]!.fields.repeated).toBe(399);
    expect(lines[1]!.msg).toMatch(/399 more since the last report/);
    // Another message is counted on its own.
    expect(failures.warn(new Error('x'), 'socket: redis pub error')).toBe(true);
  });
});
