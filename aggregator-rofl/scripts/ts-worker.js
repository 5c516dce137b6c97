// Worker-thread bootstrap for running the aggregator from its TypeScript sources (jest, the simulation): the main
// thread's require hooks do not reach a worker, so it registers tsx (with the paths that map @cloister/* to the
// sources, tsconfig.development.json) and then loads the entry named in workerData. The compiled package (dist/)
// never uses it.
'use strict';
const { join } = require('node:path');
process.env.TSX_TSCONFIG_PATH ??= join(__dirname, '..', '..', 'tsconfig.development.json');
require('tsx/cjs');
require(require('node:worker_threads').workerData.entry);
