// `cloister node run`: a participant's node next to its data. Before joining any round it checks the account is
// admitted and that the site's data matches the task's schema (a wrong column fails here, not in a round).
import { join, resolve } from 'node:path';
import { homedir } from 'node:os';
import { fetchTaskSpec, initBackend, ParticipantNode, requireAdmitted, resolveStatisticsScaling } from '@cloister/client';
import { ROUND_STATE, type TaskSpec } from '@cloister/protocol';
import { Command } from 'commander';
import { CliNotFoundError } from '../errors';
import type { NetworkContext } from '../context';
import { datasetProviderFor } from '../task/siteData';
import { example, positiveInt, uint, withNetwork, type CommandEnv } from './shared';

/** True once the task's last round is finalized or accepted (or the task was cancelled). */
async function taskDone(ctx: NetworkContext, taskId: bigint): Promise<boolean> {
  const task = await ctx.contracts.taskManager.getTask(taskId);
  if (task.cancelled) return true;
  if (task.currentRound < task.params.numRounds) return false;
  const state = Number((await ctx.contracts.taskManager.getRound(taskId, task.currentRound)).state);
  return state === ROUND_STATE.Finalized || state === ROUND_STATE.Accepted;
}

export function nodeCommand(env: CommandEnv): Command {
  const node = new Command('node').description("a participant's node: trains (or computes statistics) on local data and submits sealed updates").addHelpText('after', example('cloister node run --task 2 --dataset cleveland.json --key net/keys/participant-1.key'));
  node
    .command('run')
    .description('join every round of a task with a dataset config; runs until Ctrl-C, or until the task is done with --exit-when-done')
    .requiredOption('--task <id>', 'task id', uint)
    .requiredOption('--dataset <file>', 'dataset config JSON of this site (CSV columns, label, split)')
    .option('--state-dir <dir>', 'per-round submission state (CLOISTER_STATE_DIR, default ~/.cloister/state/<address>)')
    .option('--exit-when-done', 'exit once the last round of the task is finalized')
    .option('--poll-interval <ms>', 'polling fallback period in ms', positiveInt, 1000)
    .addHelpText('after', example('cloister node run --task 2 --dataset cleveland.json --key net/keys/participant-1.key'))
    .action(async (o: { task: bigint; dataset: string; stateDir?: string; exitWhenDone?: boolean; pollInterval: number }) => {
      const out = env.output();
      const log = out.logger('node');
      await withNetwork(env, true, async (ctx) => {
        const address = await ctx.wallet!.getAddress();
        if ((await ctx.contracts.taskManager.taskCount()) < o.task) {
          throw new CliNotFoundError(`there is no task ${o.task} yet — wait until governance executed its creation (\`cloister gov list\`)`);
        }
        await requireAdmitted(ctx.contracts, o.task, address);
        const task = await ctx.contracts.taskManager.getTask(o.task);
        // The spec as the node will use it (a training task's scaling from its statistics result, hash-checked).
        const spec: TaskSpec = await resolveStatisticsScaling(ctx.coordinator, await fetchTaskSpec(ctx.coordinator, task.params.modelSpecHash));
        const dataset = datasetProviderFor(resolve(o.dataset), ctx.coordinator);
        // The schema check: load once now with the task's data section.
        const local = await dataset(spec);
        log.info({ task: String(o.task), account: address, train: local.train.count, test: local.test.count }, 'node: data matches the task schema');
        await initBackend({ prefer: 'auto', logger: log });
        const stateDir = o.stateDir ?? env.globals().stateDir ?? join(homedir(), '.cloister', 'state', address.toLowerCase());
        const participant = new ParticipantNode({
          signer: ctx.signer!,
          contracts: ctx.contracts,
          coordinatorUrl: ctx.connection.coordinatorUrl,
          taskId: o.task,
          dataset,
          stateDir,
          logger: log.child({}, { level: 'warn' }),
          pollIntervalMs: o.pollInterval,
        });
        const submitted: { round: string; ciphertextHash: string }[] = [];
        participant.on('submitted', (r) => {
          submitted.push({ round: String(r.round), ciphertextHash: r.ciphertextHash });
          const acc = r.metrics?.globalTestAccuracy;
          log.info({ round: String(r.round), examples: r.numExamples, ...(acc !== undefined ? { globalTestAccuracy: Number(acc.toFixed(4)) } : {}) }, `node: round ${r.round} update sealed, committed and uploaded`);
        });
        participant.on('error', (error) => log.warn({ code: (error as { code?: string }).code, err: error.message }, 'node: round attempt failed; retrying on the next signal'));
        participant.start();
        await new Promise<void>((done) => {
          const stop = () => done();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
          if (o.exitWhenDone) {
            const timer = setInterval(() => {
              void taskDone(ctx, o.task).then((d) => {
                if (d) {
                  clearInterval(timer);
                  done();
                }
              }, () => undefined);
            }, 500);
          }
        });
        await participant.stop();
        out.result({ task: o.task.toString(), account: address, submitted }, () => out.line(`node stopped after ${submitted.length} submitted round(s)`));
      });
      // Timers of the node's transport may linger; the work is done.
      process.exit(0);
    });
  return node;
}
