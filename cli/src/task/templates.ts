// `cloister new --template …`: a task folder from a template. Tabular templates take their features and label from a
// site's dataset config (every column except the label and the dropped ones) or from --features/--label; nothing
// assumes a particular data set.
import { readDatasetConfig } from '@cloister/client';
import { buildMnistTask, buildTabularTask, taskArtifacts, type BuiltTask } from '@cloister/infra/dist/demo/spec';
import { CliUsageError } from '../errors';
import type { TaskFile } from './taskFile';

export const TEMPLATES = ['tabular-logistic', 'tabular-mlp', 'image-cnn'] as const;
export type TemplateName = (typeof TEMPLATES)[number];

export type TemplateOptions = {
  name: string;
  /** A site's dataset config: features and label are read from it. */
  dataset?: string;
  features?: string[];
  label?: string;
  strategy?: string;
  rounds?: number;
  participants?: number;
};

/** Features and label from a CSV dataset config: its columns minus the label column and the dropped columns. */
export function schemaFromDataset(path: string): { features: string[]; label?: string } {
  const { config } = readDatasetConfig(path);
  if (config.format !== 'csv') return { features: ['pixels'] };
  if (!config.columns) {
    throw new CliUsageError(`${path}: the dataset config has a header row but no "columns" — pass --features a,b,c and --label, or list "columns" in the config`);
  }
  const dropped = new Set([...(config.dropColumns ?? []), config.label.column]);
  const label = typeof config.label.map === 'string' ? config.label.map : config.label.column;
  return { features: config.columns.filter((c) => !dropped.has(c)), label };
}

export function buildTemplate(template: TemplateName, o: TemplateOptions): { task: TaskFile; built: BuiltTask; initialModel: Uint8Array } {
  let built: BuiltTask;
  if (template === 'image-cnn') {
    built = buildMnistTask({ strategy: o.strategy });
    built.spec.name = o.name;
  } else {
    const schema = o.features ? { features: o.features, label: o.label } : o.dataset ? schemaFromDataset(o.dataset) : null;
    if (!schema) throw new CliUsageError(`the ${template} template needs the data schema — pass --dataset <site.json> or --features a,b,c --label <column or expression>`);
    built = buildTabularTask({ name: o.name, features: schema.features, label: o.label ?? schema.label, strategy: o.strategy, hiddenUnits: template === 'tabular-mlp' ? 16 : 0 });
  }
  const artifacts = taskArtifacts(built);
  const participants = o.participants ?? 2;
  const { scaling: _scaling, ...rest } = built.spec.data;
  const task: TaskFile = {
    version: 1,
    kind: 'training',
    name: o.name,
    model: built.spec.model,
    // Tabular data: the scaling comes from a statistics task (`cloister stats propose`); images are already in [0, 1].
    data: template === 'image-cnn' ? { ...rest, scaling: { mean: [], std: [] } } : rest,
    training: built.spec.training as unknown as Record<string, unknown>,
    aggregation: built.spec.aggregation as unknown as Record<string, unknown>,
    rounds: o.rounds ?? (template === 'image-cnn' ? 12 : 5),
    minParticipants: participants,
    maxParticipants: participants,
    roundDuration: template === 'image-cnn' ? 1800 : 300,
    rewardPerRound: '1',
    modelAccess: 'public',
    initialModel: { file: 'initial-model.bin', sha256: artifacts.modelHash },
  };
  return { task, built, initialModel: artifacts.modelBytes };
}

/** The statistics task over the same data schema (features and label of a training task file). */
export function statisticsTaskOf(training: TaskFile): TaskFile {
  return {
    version: 1,
    kind: 'statistics',
    name: `${training.name}-statistics`,
    data: { features: training.data.features, ...(training.data.label ? { label: training.data.label } : {}) },
    rounds: 1,
    minParticipants: training.minParticipants,
    maxParticipants: training.maxParticipants,
    roundDuration: training.roundDuration,
    rewardPerRound: '0',
    modelAccess: 'public',
  };
}
