// `cloister stats propose|result`: federated statistics of the participants' training data (count, sum and sum of
// squares per feature, in float64, sealed like an update and combined inside the TEE), whose result gives a training
// task its feature scaling.
import { Command } from 'commander';
import { EMPTY_MODEL, specDocumentOf } from '../task/checkTask';
import { readStatisticsResult } from '../task/statisticsResult';
import { statisticsTaskOf } from '../task/templates';
import { proposeFolder } from './task';
import { example, readTask, type CommandEnv } from './shared';

export function statsCommand(env: CommandEnv): Command {
  const stats = new Command('stats').description('federated statistics: per-feature count, mean and standard deviation over every admitted site, no per-site figure leaves the TEE').addHelpText('after', example('cloister stats propose heart --participants net/keys/participant-1.key,net/keys/participant-2.key --key net/keys/member-1.key', 'cloister stats result 1'));

  stats
    .command('propose <dir>')
    .description("propose a statistics task over the data schema of a task folder (its features and label), with the participants to admit")
    .option('--participants <addresses>', 'participants to admit: comma-separated addresses or key files')
    .option('--description <text>', 'text shown to voters')
    .addHelpText('after', example('cloister stats propose heart --participants 0xabc…,0xdef… --key net/keys/member-1.key'))
    .action((dir: string, o: { participants?: string; description?: string }) =>
      proposeFolder(env, dir, o, (loaded) => {
        const task = loaded.task.kind === 'statistics' ? loaded.task : statisticsTaskOf(loaded.task);
        return { dir: loaded.dir, task, specDocument: () => specDocumentOf(task), initialModel: EMPTY_MODEL };
      }),
    );

  stats
    .command('result <taskId>')
    .description("a statistics task's result, checked against the hash the aggregator finalized on chain")
    .addHelpText('after', example('cloister stats result 1'))
    .action(async (taskId: string) => {
      const out = env.output();
      const r = await readTask(env, taskId, readStatisticsResult);
      out.result({ taskId: r.taskId.toString(), resultHash: r.resultHash, ...r.document }, () => {
        out.line(`statistics task ${r.taskId}: ${r.document.count} training examples over ${r.document.participants} participants; result ${r.resultHash} (verified against the chain)`);
        r.document.features.forEach((f, i) => out.line(`  ${f.padEnd(20)} mean ${r.document.mean[i]!.toPrecision(8).padStart(14)}  std ${r.document.std[i]!.toPrecision(8).padStart(14)}`));
        out.line(`next: cloister task propose <dir> --statistics ${r.taskId} --participants …`);
      });
    });
  return stats;
}
