// The author of a consortium task seals its initial model with HPKE to the aggregator's key (before the task exists);
// participants can only open models sealed under the task's model key. This loop re-seals each consortium task's
// initial model inside the TEE as round 0 (stored through the coordinator, hashes recorded in ModelKeyRegistry), so
// the participants of round 1 can train from it.
import { sha256Hex } from '@cloister/protocol';
import { TaskManager__factory } from '@cloister/contracts';
import type { Provider } from 'ethers';
import type { Logger } from 'pino';
import type { CoordinatorClient } from '../jobs/coordinatorClient';
import type { ModelKeyring } from './modelKeyring';

export class InitialModelResealer {
  private readonly done = new Set<string>();
  private readonly taskManager;

  constructor(
    private readonly deps: {
      provider: Provider;
      taskManagerAddress: string;
      coordinator: Pick<CoordinatorClient, 'getBlob' | 'putBlob'>;
      keyring: ModelKeyring;
      log: Logger;
    },
  ) {
    this.taskManager = TaskManager__factory.connect(deps.taskManagerAddress, deps.provider);
  }

  /** Re-seals every consortium task's initial model that has no round-0 record yet; returns how many it sealed. */
  async resealPending(): Promise<number> {
    const count = Number(await this.taskManager.taskCount());
    let sealed = 0;
    for (let id = 1; id <= count; id++) {
      const taskId = BigInt(id);
      if (this.done.has(taskId.toString())) continue;
      const task = await this.taskManager.getTask(taskId);
      const spec = JSON.parse(Buffer.from(await this.deps.coordinator.getBlob(task.params.modelSpecHash)).toString('utf8')) as { modelAccess?: string };
      if (spec.modelAccess !== 'consortium' || (await this.deps.keyring.hasRecord(taskId, 0n))) {
        this.done.add(taskId.toString());
        continue;
      }
      const plaintext = await this.deps.keyring.openStored(taskId, await this.deps.coordinator.getBlob(task.params.initialModelHash));
      const { sealed: bytes, epoch } = await this.deps.keyring.seal(taskId, 0n, plaintext);
      await this.deps.coordinator.putBlob(bytes);
      await this.deps.keyring.record(taskId, 0n, epoch, plaintext, bytes);
      this.done.add(taskId.toString());
      sealed++;
      this.deps.log.info({ taskId: id, epoch, sealedModel: sha256Hex(bytes) }, 'model access: initial model re-sealed under the task key');
    }
    return sealed;
  }

  every(intervalMs: number): () => void {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const tick = async () => {
      await this.resealPending().catch((err: unknown) => this.deps.log.warn({ err }, 'model access: re-sealing initial models failed; retrying'));
      if (!stopped) timer = setTimeout(() => void tick(), intervalMs);
    };
    timer = setTimeout(() => void tick(), 0);
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }
}
