#!/usr/bin/env node
// The `cloister` executable (linked at the repository root by npm's workspaces). It runs the compiled CLI; on a fresh
// clone, where nothing is compiled yet, it builds the CLI and the packages it needs once, then runs.
/* eslint-disable @typescript-eslint/no-require-imports -- a plain CommonJS launcher */
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const main = join(__dirname, '..', 'dist', 'main.js');
if (!existsSync(main)) {
  process.stderr.write('cloister: first run on this checkout: building the CLI and its packages (once)…\n');
  const root = join(__dirname, '..', '..');
  const built = spawnSync('npx', ['turbo', 'run', 'build', '--filter=@cloister/cli...', '--output-logs=errors-only'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
  });
  if (built.status !== 0 || !existsSync(main)) {
    process.stderr.write('error [CLOISTER_ERR_CLI_NOT_BUILT]: the build failed — run `npm run build` at the repository root and read its errors\n');
    process.exit(1);
  }
}
require(main).run();
