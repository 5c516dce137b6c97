// `cloister task check|propose|results`.
import { resolve } from 'node:path';
import { loadDataset } from '@cloister/client';
import { Command } from 'commander';
import { formatEther } from 'ethers';
import { checkTaskFolder, loadTaskFolder, type LoadedTask } from '../task/checkTask';
import { parseParticipants, proposeTaskFolder, type ProposeResult } from '../task/proposeTask';
import { readTaskResultsView } from '../task/taskResults';
import { CliTaskInvalidError, CliUsageError } from '../errors';
import type { Output } from '../output';
import { example, readTask, uint, withNetwork, type CommandEnv } from './shared';

function printProposal(out: Output, r: ProposeResult): void {
  out.result(r, () => {
    out.line(`${r.kind} task will be task ${r.taskId}: spec ${r.specHash}, initial model ${r.initialModelHash}${r.statistics ? `, scaling from statistics task ${r.statistics.taskId} (${r.statistics.resultHash})` : ''}`);
    if (r.admitProposal) out.line(`proposal ${r.admitProposal}: admit the participants to task ${r.taskId}`);
    out.line(`proposal ${r.taskProposal}: create task ${r.taskId} (escrow ${formatEther(r.escrowWei)} ETH paid with the proposal)`);
    const ids = [r.admitProposal, r.taskProposal].filter(Boolean).join(' ');
    out.line(`next: members vote \`cloister gov vote ${ids} --yes\`, then \`cloister gov execute ${ids}\``);
  });
}

/**
 * `task propose` and `stats propose`: loads the task folder, proposes what `pick` makes of it (a member key) with the
 * participants to admit, and prints the proposals to vote on.
 */
export async function proposeFolder(
  env: CommandEnv,
  dir: string,
  o: { participants?: string; statistics?: bigint; description?: string },
  pick: (loaded: LoadedTask) => LoadedTask,
): Promise<void> {
  const out = env.output();
  const participants = parseParticipants(o.participants);
  const folder = pick(await loadTaskFolder(resolve(dir)));
  const r = await withNetwork(env, true, (ctx) => proposeTaskFolder(ctx, folder, { participants, statisticsTaskId: o.statistics, description: o.description, operatorToken: env.globals().operatorToken }));
  printProposal(out, r);
}

export function taskCommand(env: CommandEnv): Command {
  const task = new Command('task')
    .description('task authoring and results: check a task folder, propose it to governance, read its results')
    .addHelpText('after', example('cloister task check heart', 'cloister task results 2'));

  task
    .command('check <dir>')
    .description("validate a task folder before anything touches the chain: schemas, strategy parameters, topology, initial model hash and shapes; with --dataset, that sites' data fit its schema")
    .option('--dataset <files>', "comma-separated dataset configs of sites: each must have the task's features and label")
    .addHelpText('after', example('cloister task check heart', 'cloister task check heart --dataset sites/cleveland.json,sites/hungary.json'))
    .action(async (dir: string, o: { dataset?: string }) => {
      const out = env.output();
      const { problems, loaded } = await checkTaskFolder(resolve(dir));
      if (loaded && o.dataset) {
        for (const file of o.dataset.split(',').filter(Boolean)) {
          try {
            loadDataset(resolve(file), { task: { features: loaded.task.data.features, label: loaded.task.data.label } });
          } catch (error) {
            const code = (error as { code?: string }).code ?? '';
            problems.push({ file: resolve(file), field: '-', message: `${(error as Error).message}${code ? ` (${code})` : ''}` });
          }
        }
      }
      if (problems.length > 0) {
        out.result({ ok: false, problems });
        if (!out.json) for (const p of problems) process.stderr.write(`  ${p.file}${p.field === '-' ? '' : ` ${p.field}`}: ${p.message}\n`);
        throw new CliTaskInvalidError(`${problems.length} problem(s) in ${resolve(dir)}, listed above — fix them and check again`);
      }
      out.result({ ok: true, kind: loaded!.task.kind, name: loaded!.task.name }, () => out.line(`${resolve(dir)}: ok (${loaded!.task.kind} task "${loaded!.task.name}", ${loaded!.task.data.features.length} features)`));
    });

  task
    .command('propose <dir>')
    .description('store the spec and initial model with the coordinator and propose the admission of the participants and the task (a member key)')
    .option('--participants <addresses>', 'participants to admit: comma-separated addresses or key files')
    .option('--statistics <taskId>', 'the statistics task whose result gives the feature scaling (when task.json has no data.scaling)', uint)
    .option('--description <text>', 'text shown to voters')
    .addHelpText('after', example('cloister task propose heart --statistics 1 --participants 0xabc…,0xdef… --key net/keys/member-1.key'))
    .action((dir: string, o: { participants?: string; statistics?: bigint; description?: string }) =>
      proposeFolder(env, dir, o, (loaded) => {
        if (loaded.task.kind !== 'training') throw new CliUsageError(`${dir} is a statistics task: propose it with \`cloister stats propose ${dir}\``);
        return loaded;
      }),
    );

  task
    .command('results <taskId>')
    .description('per round: state, model hash, how many were included and excluded (by reason), federated evaluation, and your own outcome and score (with --key)')
    .addHelpText('after', example('cloister task results 2 --key net/keys/participant-1.key'))
    .action(async (taskId: string) => {
      const out = env.output();
      const view = await readTask(env, taskId, readTaskResultsView);
      out.result(view, () => {
        out.line(`task ${view.taskId}: round ${view.currentRound}/${view.numRounds}, ${view.acceptedRounds} accepted${view.cancelled ? ', CANCELLED' : ''}; current model ${view.currentModelHash}`);
        for (const r of view.rounds) {
          out.line(`round ${r.round}: ${r.state}${r.modelHash ? `  model ${r.modelHash}` : ''}`);
          if (r.evaluation) {
            out.line(`  federated evaluation of the model it started from (${r.evaluation.numTestExamples} test examples): ${Object.entries(r.evaluation.metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}`);
          }
          out.line(`  included  ${r.included}`);
          for (const [reason, n] of Object.entries(r.excluded)) out.line(`  excluded  ${n}  (${reason})`);
          if (r.ownScore) out.line(`  your score ${r.ownScore.included ? `${r.ownScore.score}/1000000, reward ${r.ownScore.reward} ETH` : `excluded (reason ${r.ownScore.reason})`}`);
        }
      });
    });
  return task;
}
