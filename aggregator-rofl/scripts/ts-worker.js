// Worker-thread bootstrap for running the aggregator from its TypeScript sources (jest, the simulation): the main
// thread's require hooks do not reach a worker, so it installs the repository's development hook and then loads the
// entry named in workerData. The compiled package (dist/) never uses it.
'use strict';
require('../../scripts/register-typescript.js');
require(require('node:worker_threads').workerData.entry);
