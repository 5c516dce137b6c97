// Worker-thread bootstrap for running the aggregator from its TypeScript sources (jest, `node -r register.js`): the
// main thread's require hooks do not reach a worker, so this registers @swc/core for `.ts` (the same transform as
// jest.preset.js), resolves `@cloister/<pkg>` to `<pkg>/src/index.ts` and relative `.js` imports to `.ts`, then loads
// the entry named in workerData. The compiled package (dist/) never uses it.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const { workerData } = require('node:worker_threads');
const swc = require('@swc/core');

const ROOT = path.resolve(__dirname, '..', '..');
const originalResolve = Module._resolveFilename;
Module._resolveFilename = function resolve(request, parent, ...rest) {
  const m = /^@cloister\/([a-z-]+)$/.exec(request);
  if (m) {
    const src = path.join(ROOT, m[1], 'src', 'index.ts');
    if (fs.existsSync(src)) return src;
  }
  if (parent && parent.filename && parent.filename.endsWith('.ts') && request.startsWith('.')) {
    const base = path.resolve(path.dirname(parent.filename), request.replace(/\.js$/, ''));
    for (const candidate of [`${base}.ts`, path.join(base, 'index.ts')]) if (fs.existsSync(candidate)) return candidate;
  }
  return originalResolve.call(this, request, parent, ...rest);
};
require.extensions['.ts'] = function compile(module, filename) {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};
require(workerData.entry);
