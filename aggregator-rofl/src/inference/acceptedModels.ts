// The accepted model of each task, loaded once per model hash: the task's current model on chain (its last accepted
// round, or the initial model), fetched from the coordinator and checked against the on-chain hash, opened inside the
// TEE when it is sealed (model access `consortium`), built with the spec's tfjs topology.
import { decodeTensors, isSealedModel } from '@cloister/protocol';
import { TaskManager__factory } from '@cloister/contracts';
import type { Provider } from 'ethers';
import { InferenceModelUnavailableError, InferenceUnavailableError } from '../errors';
import type { CoordinatorClient } from '../jobs/coordinatorClient';
import { TtlCache } from './chainFacts';
import { loadPredictor, type Predictor } from './modelRuntime';

/** Opens a sealed model file of `taskId` whose ciphertext hashes to `ciphertextHash` (see modelAccess/). */
export type OpenSealedModel = (taskId: bigint, ciphertext: Uint8Array, ciphertextHash: string) => Promise<Uint8Array>;

export class AcceptedModels {
  private readonly loaded = new Map<string, Promise<Predictor>>();
  private readonly taskManager;
  private readonly tasks: TtlCache<string, Awaited<ReturnType<AcceptedModels['readTask']>>>;

  constructor(
    provider: Provider,
    taskManagerAddress: string,
    private readonly coordinator: Pick<CoordinatorClient, 'getBlob'>,
    private readonly openSealed?: OpenSealedModel,
    /** How long a task's model hash is reused before the chain is read again (a newly accepted model shows within it). */
    cacheMs = 1000,
  ) {
    this.taskManager = TaskManager__factory.connect(taskManagerAddress, provider);
    this.tasks = new TtlCache(cacheMs);
  }

  private async readTask(taskId: bigint): Promise<{ modelHash: string; specHash: string }> {
    const task = await this.taskManager.getTask(taskId);
    return { modelHash: task.currentModelHash, specHash: task.params.modelSpecHash };
  }

  /** The predictor of the task's current model (reloaded when the task's model hash changes). */
  async get(taskId: bigint): Promise<Predictor> {
    let task;
    try {
      task = await this.tasks.get(taskId.toString(), () => this.readTask(taskId));
    } catch (cause) {
      if ((cause as { code?: string }).code === 'CALL_EXCEPTION') {
        throw new InferenceModelUnavailableError(`task ${taskId} does not exist`, { cause, details: { taskId: taskId.toString() } });
      }
      throw new InferenceUnavailableError('the chain cannot be read', { cause });
    }
    const modelHash = task.modelHash;
    const key = `${taskId}:${modelHash}`;
    let predictor = this.loaded.get(key);
    if (predictor === undefined) {
      predictor = this.load(taskId, task.specHash, modelHash);
      this.loaded.set(key, predictor);
      predictor.catch(() => this.loaded.delete(key));
      // an older model of the same task is dropped once the new one is in
      for (const [k, p] of this.loaded) {
        if (k.startsWith(`${taskId}:`) && k !== key) {
          this.loaded.delete(k);
          void p.then((old) => old.dispose()).catch(() => undefined);
        }
      }
    }
    return predictor;
  }

  private async load(taskId: bigint, specHash: string, modelHash: string): Promise<Predictor> {
    let specBytes: Uint8Array;
    let modelBytes: Uint8Array;
    try {
      [specBytes, modelBytes] = await Promise.all([this.coordinator.getBlob(specHash), this.coordinator.getBlob(modelHash)]);
    } catch (cause) {
      throw new InferenceUnavailableError(`the model of task ${taskId} cannot be fetched from the coordinator`, { cause });
    }
    // Only the topology is needed here (the round loop validates specs as a whole); a statistics task has none.
    const spec = JSON.parse(Buffer.from(specBytes).toString('utf8')) as { model?: { topology?: unknown } };
    if (spec.model?.topology === undefined) throw new InferenceModelUnavailableError(`task ${taskId} has no model to serve (not a training task)`);
    if (isSealedModel(modelBytes)) {
      if (this.openSealed === undefined) throw new InferenceModelUnavailableError(`task ${taskId}'s model is sealed and no model key source is configured`);
      modelBytes = await this.openSealed(taskId, modelBytes, modelHash);
    }
    return loadPredictor(spec.model.topology, decodeTensors(modelBytes), modelHash);
  }

  dispose(): void {
    for (const p of this.loaded.values()) void p.then((m) => m.dispose()).catch(() => undefined);
    this.loaded.clear();
  }
}
