// The `cloister-client` command line (commander). Each action resolves options, runs a command and prints a short
// result; errors become one or two lines on stderr with their code (see main.ts).
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { formatEther, Wallet } from 'ethers';
import { createContext, resolveOptions, type CommandContext, type GlobalOptions } from '../commands/context';
import { creditClaimCommand, creditDepositCommand, creditShowCommand, inferCommand } from '../commands/inference';
import { claimCommand, scoresCommand } from '../commands/rewards';
import { statusCommand } from '../commands/status';
import { runCommand, trainOnceCommand } from '../commands/train';
import { loadClientConfig } from '../config';
import { ConfigInvalidError } from '../errors';
import { createLogger } from '../logger';
import { initBackend } from '@cloister/model-runtime';
import { readKeystore, readPassphrase, walletFromSecret, writeKeystore } from './keystore';

export interface CliIo {
  out: (line: string) => void;
  env: NodeJS.ProcessEnv;
}

function parseUint(value: string): bigint {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a non-negative integer');
  return BigInt(value);
}

export function buildProgram(io: CliIo = { out: (l) => process.stdout.write(`${l}\n`), env: process.env }): Command {
  const program = new Command('cloister-client')
    .description('Cloister participant node: trains on local data, submits sealed updates, reads own scores.')
    .option('--rpc-url <url>', 'chain JSON-RPC URL (CLOISTER_RPC_URL)')
    .option('--deployment <file>', 'deployment JSON of the Cloister contracts (CLOISTER_DEPLOYMENT)')
    .option('--coordinator <url>', 'coordinator base URL (CLOISTER_COORDINATOR_URL)')
    .option('--keystore <file>', 'encrypted keystore (CLOISTER_KEYSTORE, default ~/.cloister/keystore.json)')
    .option('--state-dir <dir>', 'per-round submission state (CLOISTER_STATE_DIR, default ~/.cloister/state)')
    .option('--log-level <level>', 'pino log level (CLOISTER_LOG_LEVEL)', undefined)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride(); // inherited by the subcommands below: errors reach main() instead of process.exit
  program.configureOutput({ writeOut: (s) => io.out(s.trimEnd()) });

  const globals = (): GlobalOptions & { logLevel?: string } => program.opts();
  const logger = (fallback: string) => createLogger({ level: loadClientConfig(globals(), io.env).logLevel ?? fallback, stderr: true });
  /** Runs one chain-facing command with its context; the provider is closed however the command ends. */
  const withContext = async (run: (ctx: CommandContext) => Promise<void>, fallback = 'warn'): Promise<void> => {
    const ctx = await createContext(globals(), logger(fallback), io.env);
    try {
      await run(ctx);
    } finally {
      ctx.provider.destroy();
    }
  };

  const key = program.command('key').description('create or import the account key (stored encrypted)');
  key
    .command('create')
    .description('create a new account and write it to the keystore')
    .option('--force', 'replace an existing keystore')
    .action(async (o: { force?: boolean }) => {
      const { keystore } = resolveOptions(globals(), io.env);
      const passphrase = await readPassphrase({ confirm: true, env: io.env });
      const wallet = Wallet.createRandom();
      await writeKeystore(keystore, wallet, passphrase, { overwrite: o.force });
      io.out(`created account ${wallet.address}`);
      io.out(`keystore: ${keystore} (ask governance to admit this address)`);
    });
  key
    .command('import <file>')
    .description('import a hex private key or a BIP-39 mnemonic from a file into the keystore')
    .option('--force', 'replace an existing keystore')
    .action(async (file: string, o: { force?: boolean }) => {
      const { keystore } = resolveOptions(globals(), io.env);
      let secret: string;
      try {
        secret = readFileSync(file, 'utf8');
      } catch (error) {
        throw new ConfigInvalidError(`Cannot read ${file}: ${(error as Error).message}`);
      }
      const wallet = walletFromSecret(secret);
      const passphrase = await readPassphrase({ confirm: true, env: io.env });
      await writeKeystore(keystore, wallet, passphrase, { overwrite: o.force });
      io.out(`imported account ${wallet.address}`);
      io.out(`keystore: ${keystore} (you may now delete ${file})`);
    });
  key
    .command('show')
    .description('decrypt the keystore and print its address')
    .action(async () => {
      const { keystore } = resolveOptions(globals(), io.env);
      const wallet = await readKeystore(keystore, await readPassphrase({ env: io.env }));
      io.out(wallet.address);
    });

  program
    .command('status')
    .description('show this account in a task: admission, current round, commitment, aggregator key, coordinator')
    .requiredOption('--task <id>', 'task id', parseUint)
    .action((o: { task: bigint }) =>
      withContext(async (ctx) => {
        const s = await statusCommand(ctx, o.task);
        for (const [k, v] of Object.entries(s)) io.out(`${k.padEnd(24)} ${v === null ? '-' : String(v)}`);
      }),
    );

  program
    .command('train-once')
    .description("train on local data for the task's current round and submit the sealed update")
    .requiredOption('--task <id>', 'task id', parseUint)
    .requiredOption('--dataset <file>', 'dataset config JSON')
    .option('--no-progress', 'no progress bar')
    .action((o: { task: bigint; dataset: string; progress: boolean }) =>
      withContext(async (ctx) => {
        const backend = await initBackend({ logger: ctx.logger });
        const r = await trainOnceCommand(ctx, o.task, o.dataset, o.progress);
        io.out(`round ${r.round}: update ${r.resumed ? 'resumed and ' : ''}submitted (${r.ciphertextSize} bytes, hash ${r.ciphertextHash}, backend ${backend.name})`);
      }, 'info'),
    );

  program
    .command('run')
    .description('run as a long-lived node that joins every round of a task (Ctrl-C to stop)')
    .requiredOption('--task <id>', 'task id', parseUint)
    .requiredOption('--dataset <file>', 'dataset config JSON')
    .option('--poll-interval <ms>', 'polling fallback period in ms', (v) => Number(parseUint(v)), 5000)
    .action((o: { task: bigint; dataset: string; pollInterval: number }) =>
      withContext(async (ctx) => {
        await initBackend({ logger: ctx.logger });
        await runCommand(ctx, o.task, o.dataset, o.pollInterval);
      }, 'info'),
    );

  program
    .command('claim')
    .description('claim the pending reward payout of this account')
    .action(() =>
      withContext(async (ctx) => {
        const r = await claimCommand(ctx);
        io.out(r.tx ? `claimed ${r.claimed} (tx ${r.tx})` : 'nothing to claim');
      }),
    );

  program
    .command('scores')
    .description('read your own confidential contribution scores and rewards (SIWE token)')
    .requiredOption('--task <id>', 'task id', parseUint)
    .option('--round <n>', 'one round only', parseUint)
    .action((o: { task: bigint; round?: bigint }) =>
      withContext(async (ctx) => {
        const r = await scoresCommand(ctx, o.task, o.round !== undefined ? [o.round] : undefined);
        if (r.rows.length === 0) io.out('no scored rounds yet');
        for (const row of r.rows) {
          io.out(`round ${row.round}: ${row.included ? `included, score ${row.score}/1000000, reward ${row.reward}` : `excluded (reason ${row.reason})`}`);
        }
        io.out(`pending: ${r.pending}`);
      }),
    );

  program
    .command('infer')
    .description("predictions from a task's accepted model, computed inside the aggregator's TEE and paid from your credit")
    .argument('<task>', 'task id', parseUint)
    .requiredOption('--input <file>', 'rows to predict: a .csv (one row per line) or a .json (array of rows)')
    .option('--inference-url <url>', "the aggregator's inference endpoint (CLOISTER_INFERENCE_URL)")
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExample:\n  cloister-client infer 1 --input rows.csv --inference-url https://aggregator.example.org:8443')
    .action((task: bigint, o: { input: string; inferenceUrl?: string; json?: boolean }) =>
      withContext(async (ctx) => {
        const url = o.inferenceUrl ?? io.env.CLOISTER_INFERENCE_URL ?? 'http://127.0.0.1:8090';
        const r = await inferCommand(ctx, task, o.input, url);
        if (o.json) {
          io.out(JSON.stringify({ requestId: r.requestId, predictions: r.predictions, cost: r.cost.toString(), creditLeft: r.creditLeft.toString(), modelHash: r.modelHash }));
        } else {
          r.predictions.forEach((p, i) => io.out(`row ${i + 1}: ${p.map((v) => v.toFixed(6)).join(', ')}`));
          io.out(`cost ${formatEther(r.cost)} (request ${r.requestId}${r.replay ? ', a retry: not charged again' : ''}); credit left ${formatEther(r.creditLeft)}`);
        }
      }),
    );

  const credit = program.command('credit').description('prepaid credit for confidential inference, and the revenue it pays contributors');
  credit
    .command('deposit <amount>')
    .description('add prepaid credit (in the chain currency, e.g. 0.1; not withdrawable)')
    .action((amount: string) =>
      withContext(async (ctx) => {
        const r = await creditDepositCommand(ctx, amount);
        io.out(`deposited ${r.deposited}; credit ${r.credit} (tx ${r.tx})`);
      }),
    );
  credit
    .command('show')
    .description('your credit; with --task the price, whether it is paused and your revenue from it')
    .option('--task <id>', 'task id', parseUint)
    .action((o: { task?: bigint }) =>
      withContext(async (ctx) => {
        const r = await creditShowCommand(ctx, o.task);
        io.out(`account ${r.account}: credit ${r.credit}`);
        if (r.task) io.out(`task ${o.task}: price per row ${r.task.pricePerRow}${r.task.paused ? ' (paused)' : ''}; your revenue ${r.task.revenue}`);
      }),
    );
  credit
    .command('claim')
    .description('claim your inference revenue from a task (split by contribution scores over accepted rounds)')
    .requiredOption('--task <id>', 'task id', parseUint)
    .action((o: { task: bigint }) =>
      withContext(async (ctx) => {
        const r = await creditClaimCommand(ctx, o.task);
        io.out(r.tx ? `claimed ${r.claimed} (tx ${r.tx})` : 'no revenue to claim');
      }),
    );

  return program;
}
