import type { ResolvedTrainingTaskSpec } from '@cloister/protocol';
import { REASON } from '../strategies/types';
import { checkExampleCount, exampleCountBounds } from './exampleCountBound';

const A = '0x00000000000000000000000000000000000000aa';
const B = '0x00000000000000000000000000000000000000bb';
const spec = (section: ResolvedTrainingTaskSpec['exampleCountBound']) => ({ exampleCountBound: section });

describe('example-count bound', () => {
  it('excludes an update claiming more than its declared count (ExampleCountExceeded), or clamps it', () => {
    const exclude = exampleCountBounds(spec({ source: 'declared', onExceed: 'exclude', declared: { [A]: 100 } }));
    expect(checkExampleCount(A, 100, exclude)).toEqual({ ok: true, numExamples: 100, clamped: false });
    expect(checkExampleCount(A, 100_000, exclude)).toMatchObject({ ok: false, reason: REASON.ExampleCountExceeded });
    const clamp = exampleCountBounds(spec({ source: 'declared', onExceed: 'clamp', declared: { [A]: 100 } }));
    expect(checkExampleCount(A.toUpperCase().replace('0X', '0x'), 100_000, clamp)).toEqual({ ok: true, numExamples: 100, clamped: true });
  });

  it('a participant with no declared count cannot claim any', () => {
    const clamp = exampleCountBounds(spec({ source: 'declared', onExceed: 'clamp', declared: { [A]: 100 } }));
    expect(checkExampleCount(B, 1, clamp)).toMatchObject({ ok: false, reason: REASON.ExampleCountExceeded });
  });

  it('no section: no bound; statistics source: a typed refusal until the statistics round is read', () => {
    expect(exampleCountBounds({})).toBeNull();
    expect(checkExampleCount(A, 5, null)).toEqual({ ok: true, numExamples: 5, clamped: false });
    expect(() => exampleCountBounds(spec({ source: 'statistics', onExceed: 'exclude' }))).toThrow(
      expect.objectContaining({ code: 'CLOISTER_ERR_AGG_TASK_SPEC_INVALID' }),
    );
  });
});
