// Development only: runs the workspaces' TypeScript sources directly under Node (`node -r <this file> x.ts`, used by
// test child processes, benchmarks and worker threads): compiles .ts with @swc/core on require and resolves
// `@cloister/<pkg>` to `<pkg>/src/index.ts`, as jest.preset.js does, so no package needs a prior build.
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const swc = require('@swc/core');

const ROOT = path.resolve(__dirname, '..');
const originalResolve = Module._resolveFilename;

Module._resolveFilename = function resolve(request, parent, ...rest) {
  // `@cloister/<pkg>` and its subpath entries (`@cloister/contracts/development` → contracts/src/development/index.ts).
  const m = /^@cloister\/([a-z-]+)(?:\/([a-z-]+))?$/.exec(request);
  if (m) {
    const source = path.join(ROOT, m[1], 'src', m[2] ?? '', 'index.ts');
    if (fs.existsSync(source)) return source;
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
