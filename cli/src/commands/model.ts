// `cloister model get`: a round's global model from the coordinator, checked against the hash on chain.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fetchVerified } from '@cloister/client';
import { decodeTensors, ROUND_STATE } from '@cloister/protocol';
import { Command } from 'commander';
import { CliNotFoundError } from '../errors';
import { example, readTask, uint, type CommandEnv } from './shared';

export function modelCommand(env: CommandEnv): Command {
  const model = new Command('model').description('global models: download and verify against the chain').addHelpText('after', example('cloister model get 2 --out heart.bin'));
  model
    .command('get <taskId>')
    .description("download a task's model (the latest accepted one, or round N's) and check its sha256 against the chain")
    .option('--round <n>', 'the model finalized in round N', uint)
    .option('--out <file>', 'where to write it (default model-<task>-<round>.bin)')
    .addHelpText('after', example('cloister model get 2 --round 5 --out heart.bin'))
    .action(async (taskId: string, o: { round?: bigint; out?: string }) => {
      const out = env.output();
      const r = await readTask(env, taskId, async (ctx, id) => {
        const count = await ctx.contracts.taskManager.taskCount();
        if (id < 1n || id > count) throw new CliNotFoundError(`there is no task ${id} (the chain has ${count}) — check the task id`);
        const task = await ctx.contracts.taskManager.getTask(id);
        let round = o.round;
        let hash: string;
        if (round === undefined) {
          hash = task.currentModelHash;
          round = task.acceptedRounds;
        } else {
          if (round < 1n || round > task.currentRound) throw new CliNotFoundError(`task ${id} has rounds 1..${task.currentRound} so far — pass one of them`);
          const onChain = await ctx.contracts.taskManager.getRound(id, round);
          const state = Number(onChain.state);
          if (state !== ROUND_STATE.Finalized && state !== ROUND_STATE.Accepted) {
            throw new CliNotFoundError(`round ${round} of task ${id} has no model yet (state ${state}) — wait until it is finalized`);
          }
          hash = onChain.modelHash;
        }
        const bytes = await fetchVerified(ctx.coordinator, hash, 'model');
        const tensors = decodeTensors(bytes);
        const file = resolve(o.out ?? `model-${id}-${round}.bin`);
        writeFileSync(file, bytes);
        return { taskId: id.toString(), round: round.toString(), modelHash: hash, bytes: bytes.length, tensors: tensors.map((t) => ({ name: t.name, shape: t.shape })), file, verified: true };
      });
      out.result(r, () => out.line(`task ${r.taskId} round ${r.round}: model ${r.modelHash} verified against the chain (${r.bytes} bytes, ${r.tensors.length} tensors) → ${r.file}`));
    });
  return model;
}
