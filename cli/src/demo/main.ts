#!/usr/bin/env node
// `npm run demo`: without --task, the built-in demo (infra: heart-disease or MNIST, in one process); with
// `--task <dir> --sites a.json,b.json,…`, the user's own task folder and sites through the `cloister` command line.
import { resolve } from 'node:path';
import { createLogger } from '@cloister/infra/dist/log/logger';
import { formatError } from '../errors';
import { runOwnTaskDemo } from './ownTaskDemo';

const args = process.argv.slice(2);
const at = (flag: string) => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};

if (args.includes('--task')) {
  const task = at('--task');
  const sites = at('--sites')?.split(',').filter(Boolean) ?? [];
  if (!task || sites.length === 0) {
    process.stderr.write('error [CLOISTER_ERR_CLI_USAGE]: --task needs a folder and --sites a.json,b.json,… — e.g. npm run demo -- --task heart --sites a.json,b.json\n');
    process.exit(2);
  }
  runOwnTaskDemo({ task: resolve(task), sites, logger: createLogger({ level: 'info' }).child({ name: 'demo' }) }).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${formatError(error)}\n`);
      process.exit(1);
    },
  );
} else {
  // The built-in demo keeps its own options (--dataset, --rounds, --strategy, …).
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the built-in demo loads only when it runs
  require('@cloister/infra/dist/demo/main').runFromCommandLine(process.argv);
}
