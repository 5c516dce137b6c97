import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OptionsInvalidError, SIMULATION_ERROR_CODES, SimulationError } from './errors';

// That every code is unique, listed in the README and carried by one class is checked with every package's in
// cli/src/docs/errorReference.test.ts; here, the other way round: the README lists no code that does not exist.
describe('error registry', () => {
  it('lists in the README only codes that exist', () => {
    const codes = Object.values(SIMULATION_ERROR_CODES);
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const listed = readme.match(/`CLOISTER_ERR_SIM_[A-Z_]+`/g) ?? [];
    for (const l of listed) expect(codes).toContain(l.slice(1, -1));
  });

  it('carries code, details and cause', () => {
    const cause = new Error('inner');
    const e = new OptionsInvalidError('bad', { details: { x: 1 }, cause });
    expect(e).toBeInstanceOf(SimulationError);
    expect(e.code).toBe('CLOISTER_ERR_SIM_OPTIONS_INVALID');
    expect(e.details).toEqual({ x: 1 });
    expect(e.cause).toBe(cause);
    expect(e.name).toBe('OptionsInvalidError');
  });
});
