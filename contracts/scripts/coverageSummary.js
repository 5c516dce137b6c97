/* eslint-disable @typescript-eslint/no-require-imports -- a plain CommonJS node script */
// Prints line / branch / function / statement coverage of our contracts from coverage/coverage-summary.json
// (written by `hardhat coverage`, istanbul json-summary) and fails below 95% lines or 90% branches.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const summary = JSON.parse(readFileSync(join(__dirname, '..', 'coverage', 'coverage-summary.json'), 'utf8'));
const rows = Object.entries(summary)
  .filter(([file]) => file !== 'total')
  .map(([file, s]) => ({
    contract: file.replace(/.*contracts\//, ''),
    lines: s.lines.pct,
    branches: s.branches.pct,
    functions: s.functions.pct,
    statements: s.statements.pct,
  }));
const t = summary.total;
rows.push({ contract: 'TOTAL', lines: t.lines.pct, branches: t.branches.pct, functions: t.functions.pct, statements: t.statements.pct });
console.table(rows);
const ok = t.lines.pct >= 95 && t.branches.pct >= 90;
console.log(`coverage: lines ${t.lines.pct}% (goal 95), branches ${t.branches.pct}% (goal 90): ${ok ? 'OK' : 'BELOW GOAL'}`);
if (!ok) process.exitCode = 1;
