// Every custom error of our contracts is exercised: scans the ABIs and checks each error name is asserted with
// revertedWithCustomError somewhere in the tests.
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLOISTER_FACTORIES } from '../src/cloisterFactories';

/** Each contract's ABI by contract name (a TypeChain factory class is named `<Contract>__factory`). */
const CONTRACTS = Object.fromEntries(
  Object.values(CLOISTER_FACTORIES).map((factory) => [factory.name.replace(/__factory$/, ''), factory.abi]),
);

/** Library errors our contracts rely on and must be shown to raise. */
const REQUIRED_LIBRARY_ERRORS = ['AggregatorOriginAppIdNotSet', 'RoflOriginNotAuthorizedForApp', 'SiweAuth_DomainMismatch', 'SiweAuth_Expired'];

describe('custom errors', () => {
  const testSources = readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.ts') && f !== 'customErrors.test.ts')
    .map((f) => readFileSync(join(__dirname, f), 'utf8'))
    .join('\n');
  const asserted = new Set(
    [...testSources.matchAll(/revertedWithCustomError\(\s*[\w.]+,\s*'(\w+)'/g)].map((m) => m[1]),
  );

  it('follow the <Contract><Problem> naming and each is asserted by a test', () => {
    const missing: string[] = [];
    let count = 0;
    for (const [name, abi] of Object.entries(CONTRACTS)) {
      const own = abi.filter((e) => e.type === 'error' && e.name.startsWith(name)).map((e) => (e as { name: string }).name);
      expect(own.length, `${name} declares custom errors`).to.be.greaterThan(0);
      for (const error of own) {
        count++;
        if (!asserted.has(error)) missing.push(error);
      }
    }
    for (const error of REQUIRED_LIBRARY_ERRORS) if (!asserted.has(error)) missing.push(error);
    expect(missing, 'errors never asserted').to.deep.equal([]);
    expect(count).to.be.greaterThan(50);
  });
});
