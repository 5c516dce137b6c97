/* eslint-disable @typescript-eslint/no-require-imports -- a plain CommonJS node script */
// npm run coverage -w contracts
// Runs solidity-coverage on the contract tests (not test/localChain.test.ts: it deploys to a separate
// `hardhat node` process, which enforces the 24 KiB size limit that instrumented bytecode exceeds, and it measures
// the TypeScript helpers, not Solidity), then recompiles so that artifacts/ and the TypeChain bindings hold the
// real bytecode again (solidity-coverage overwrites them with instrumented code), and prints the summary.
const { spawnSync } = require('node:child_process');
const { readdirSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const hardhat = require.resolve('hardhat/internal/cli/bootstrap.js', { paths: [root] });
const run = (args) => spawnSync(process.execPath, [hardhat, ...args], { cwd: root, stdio: 'inherit' }).status ?? 1;

const testFiles = readdirSync(join(root, 'test'))
  .filter((f) => f.endsWith('.test.ts') && f !== 'localChain.test.ts')
  .map((f) => `test/${f}`);
const status = run(['coverage', '--testfiles', `{${testFiles.join(',')}}`]);
const rebuilt = run(['compile', '--force', '--quiet']);
if (status !== 0 || rebuilt !== 0) process.exit(status || rebuilt);
require('./coverageSummary.js');
