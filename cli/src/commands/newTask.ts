// `cloister new <dir> --template …`: a task folder to edit, check and propose.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { initBackend } from '@cloister/client';
import { Command, Option } from 'commander';
import { CliUsageError } from '../errors';
import { INITIAL_MODEL_FILE, TASK_FILE } from '../task/taskFile';
import { buildTemplate, TEMPLATES, type TemplateName } from '../task/templates';
import { example, positiveInt, type CommandEnv } from './shared';

export function newCommand(env: CommandEnv): Command {
  return new Command('new')
    .description('write a task folder from a template: task.json (model, data schema, strategy, DP, rounds, participants, reward, model access) and initial-model.bin')
    .argument('<dir>', 'folder to create (must not exist or be empty)')
    .addOption(new Option('--template <name>', 'model template').choices([...TEMPLATES]).makeOptionMandatory())
    .option('--dataset <file>', "a site's dataset config: the features and label are read from it (tabular templates)")
    .option('--features <list>', 'comma-separated feature columns, in model input order (instead of --dataset)')
    .option('--label <expr>', 'label column or expression, e.g. "num > 0" (with --features)')
    .option('--name <name>', 'task name (default: the folder name)')
    .option('--strategy <name>', 'aggregation strategy (fedavg, fedadam, median, …)', 'fedavg')
    .option('--rounds <n>', 'number of rounds', positiveInt)
    .option('--participants <n>', 'min = max participants per round', positiveInt)
    .addHelpText('after', example('cloister new heart --template tabular-logistic --dataset sites/cleveland.json --participants 4'))
    .action(async (dir: string, o: { template: TemplateName; dataset?: string; features?: string; label?: string; name?: string; strategy: string; rounds?: number; participants?: number }) => {
      const out = env.output();
      const target = resolve(dir);
      if (existsSync(target) && readdirSync(target).length > 0) {
        throw new CliUsageError(`${target} exists and is not empty — choose a new folder`);
      }
      await initBackend({ prefer: 'auto' });
      const { task, initialModel } = buildTemplate(o.template, {
        name: o.name ?? basename(target),
        dataset: o.dataset,
        features: o.features?.split(',').map((f) => f.trim()).filter(Boolean),
        label: o.label,
        strategy: o.strategy,
        rounds: o.rounds,
        participants: o.participants,
      });
      mkdirSync(target, { recursive: true });
      writeFileSync(join(target, TASK_FILE), JSON.stringify(task, null, 2) + '\n');
      writeFileSync(join(target, INITIAL_MODEL_FILE), initialModel);
      out.result({ dir: target, task: join(target, TASK_FILE), initialModel: join(target, INITIAL_MODEL_FILE), features: task.data.features, label: task.data.label }, () => {
        out.line(`wrote ${join(target, TASK_FILE)} and ${INITIAL_MODEL_FILE} (${o.template}, ${task.data.features.length} features${task.data.label ? `, label ${task.data.label}` : ''})`);
        if (!task.data.scaling) out.line(`the feature scaling comes from federated statistics: cloister stats propose ${dir} --participants <addresses>`);
        out.line(`next: cloister task check ${dir}`);
      });
    });
}
