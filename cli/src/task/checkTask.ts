// `cloister task check <dir>`: everything about a task folder that can be checked before anything touches the chain,
// each problem with its file and field: the task file's schema, the spec document it produces (schema and the
// strategy's own parameters), that the model topology builds, that the initial model matches its recorded hash and
// the topology's weights, and that the features fit the model's input.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertWeightsMatch, buildModel, initBackend } from '@cloister/client';
import { canonicalJson, decodeTensors, encodeTensors, parseTaskSpec, sha256Hex, type NamedTensor } from '@cloister/protocol';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { CliFileMissingError, CliTaskInvalidError } from '../errors';
import { INITIAL_MODEL_FILE, TASK_FILE, TaskFileSchema, type TaskFile } from './taskFile';

export type Problem = { file: string; field: string; message: string };

const taskFileCheck = TypeCompiler.Compile(TaskFileSchema);

export type LoadedTask = {
  dir: string;
  task: TaskFile;
  /** The spec document as it will be stored (its sha256 goes on chain); training specs need a scaling first. */
  specDocument(statisticsHash?: string): Record<string, unknown>;
  initialModel: Uint8Array;
};

/**
 * The spec document of a task file (protocol's TaskSpec version 2). A training task without a fixed scaling refers to
 * the statistics result it takes its scaling from (`statistics.resultHash`, covered by the spec's hash on chain).
 */
export function specDocumentOf(task: TaskFile, statisticsHash?: string): Record<string, unknown> {
  if (task.kind === 'statistics') return { version: 2, kind: 'statistics', name: task.name, data: task.data };
  return {
    version: 2,
    kind: 'training',
    name: task.name,
    modelAccess: task.modelAccess,
    model: task.model,
    training: task.training,
    data: task.data,
    aggregation: task.aggregation,
    ...(task.data.scaling === undefined && statisticsHash ? { statistics: { resultHash: statisticsHash } } : {}),
  };
}

/** An empty tensor set: the "initial model" of a statistics task (its round's result is a document, not weights). */
export const EMPTY_MODEL = encodeTensors([]);

function readJsonFile(file: string): unknown {
  if (!existsSync(file)) throw new CliFileMissingError(`${file} does not exist — create a task folder with \`cloister new <dir> --template tabular-logistic --dataset site.json\``);
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new CliTaskInvalidError(`${file}: not valid JSON (${(cause as Error).message}) — fix the file`, { cause });
  }
}

/** Runs every check; returns the problems (empty: the folder is ready to propose). */
export async function checkTaskFolder(dir: string): Promise<{ problems: Problem[]; loaded?: LoadedTask }> {
  const taskPath = join(dir, TASK_FILE);
  const raw = readJsonFile(taskPath);
  const problems: Problem[] = [];
  if (!taskFileCheck.Check(raw)) {
    for (const e of [...taskFileCheck.Errors(raw)].slice(0, 20)) problems.push({ file: taskPath, field: e.path || '/', message: e.message });
    return { problems };
  }
  const task = raw as TaskFile;
  if (task.maxParticipants < task.minParticipants) problems.push({ file: taskPath, field: '/maxParticipants', message: 'must be ≥ minParticipants' });

  if (task.kind === 'statistics') {
    return { problems, loaded: { dir, task, specDocument: () => specDocumentOf(task), initialModel: EMPTY_MODEL } };
  }
  for (const field of ['model', 'training', 'aggregation', 'initialModel'] as const) {
    if (task[field] === undefined) problems.push({ file: taskPath, field: `/${field}`, message: 'required for a training task' });
  }
  if (problems.length > 0) return { problems };

  // The spec document as protocol validates it (schemas, the strategy's own parameters, rules between sections), with
  // a placeholder statistics reference when the scaling comes from a statistics task later.
  const n = task.data.features.length;
  const document = specDocumentOf(task, `0x${'0'.repeat(64)}`);
  try {
    parseTaskSpec(JSON.parse(canonicalJson(document)), 'task spec');
  } catch (error) {
    const errors = (error as { details?: { errors?: { path: string; message: string }[] } }).details?.errors ?? [{ path: '/', message: (error as Error).message }];
    for (const e of errors) problems.push({ file: taskPath, field: e.path, message: e.message });
  }
  if (task.data.scaling && task.data.scaling.mean.length !== n && task.data.features[0] !== 'pixels') {
    problems.push({ file: taskPath, field: '/data/scaling/mean', message: `has ${task.data.scaling.mean.length} values for ${n} features` });
  }

  // The topology builds, and the initial model is the file the task file names, with the topology's weights.
  await initBackend({ prefer: 'auto' });
  let model: Awaited<ReturnType<typeof buildModel>> | null = null;
  let inputWidth: number | null = null;
  try {
    model = await buildModel(task.model!.topology);
    const shape = model.inputs[0]?.shape ?? [];
    inputWidth = shape.length === 2 && typeof shape[1] === 'number' ? shape[1] : null;
  } catch (error) {
    problems.push({ file: taskPath, field: '/model/topology', message: `does not build: ${(error as Error).message.split('\n')[0]}` });
  }
  if (inputWidth !== null && inputWidth !== n) {
    problems.push({ file: taskPath, field: '/data/features', message: `${n} features, but the model takes ${inputWidth} inputs` });
  }
  const modelPath = join(dir, task.initialModel!.file);
  let initialModel = new Uint8Array(0);
  if (!existsSync(modelPath)) {
    problems.push({ file: modelPath, field: '-', message: `missing (named by ${TASK_FILE} /initialModel/file)` });
  } else {
    initialModel = new Uint8Array(readFileSync(modelPath));
    const actual = sha256Hex(initialModel);
    if (actual !== task.initialModel!.sha256) {
      problems.push({ file: modelPath, field: '-', message: `sha256 is ${actual}, ${TASK_FILE} /initialModel/sha256 says ${task.initialModel!.sha256}` });
    } else if (model) {
      let tensors: NamedTensor[] | null = null;
      try {
        tensors = decodeTensors(initialModel);
      } catch (error) {
        problems.push({ file: modelPath, field: '-', message: `not a tensor encoding: ${(error as Error).message}` });
      }
      if (tensors) {
        try {
          assertWeightsMatch(model, tensors);
        } catch (error) {
          problems.push({ file: modelPath, field: '-', message: `does not fit the topology: ${(error as Error).message}` });
        }
      }
    }
  }
  model?.dispose();
  if (problems.length > 0) return { problems };
  return { problems, loaded: { dir, task, specDocument: (h) => specDocumentOf(task, h), initialModel } };
}

/** checkTaskFolder, throwing one error that lists every problem (file and field). */
export async function loadTaskFolder(dir: string): Promise<LoadedTask> {
  const { problems, loaded } = await checkTaskFolder(dir);
  if (problems.length > 0 || !loaded) {
    throw new CliTaskInvalidError(`${problems.map((p) => `${p.file}${p.field === '-' ? '' : ` ${p.field}`}: ${p.message}`).join('; ')} — fix these, then run \`cloister task check ${dir}\``, { details: { problems } });
  }
  return loaded;
}

export { INITIAL_MODEL_FILE };
