// Model access `consortium` inside the TEE: per-task model keys derived through appd (`keys/generate`, one key id per
// task and key epoch), stored in ModelKeyRegistry with an authorized-origin transaction, and used to seal every model
// that leaves the TEE. The admitted set is read at each round: when it differs from the set the current epoch started
// with (a removal above all), a new epoch starts, so a removed participant never gets the key of a later model.
import {
  initialModelEnvelopeContext,
  isSealedModel,
  modelKeyId,
  openModel,
  openUpdateToBytes,
  readSealedModelHeader,
  sealModel,
  sha256Hex,
  type ModelSealContext,
} from '@cloister/protocol';
import { ModelKeyRegistry__factory, ParticipantRegistry__factory } from '@cloister/contracts';
import { AbiCoder, getAddress, hexlify, keccak256, type Provider } from 'ethers';
import type { Logger } from 'pino';
import type { AppdClient } from '../appd/appdClient';
import { ModelKeyUnavailableError } from '../errors';
import type { AggregatorKeys } from '../keys/aggregatorKeys';

/** keccak256(abi.encode(address[])) of the admitted accounts sorted by address: what an epoch starts with. */
export function admittedSetHash(accounts: readonly string[]): string {
  const sorted = accounts.map((a) => getAddress(a)).sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
  return keccak256(AbiCoder.defaultAbiCoder().encode(['address[]'], [sorted]));
}

export type ModelKeyringDeps = {
  appd: Pick<AppdClient, 'generateKey' | 'signSubmit'>;
  provider: Provider;
  chainId: bigint;
  modelKeysAddress: string;
  participantsAddress: string;
  keys: AggregatorKeys;
  log: Logger;
};

export class ModelKeyring {
  private readonly registry;
  private readonly participants;
  private readonly cache = new Map<string, Uint8Array>();

  constructor(private readonly deps: ModelKeyringDeps) {
    this.registry = ModelKeyRegistry__factory.connect(deps.modelKeysAddress, deps.provider);
    this.participants = ParticipantRegistry__factory.connect(deps.participantsAddress, deps.provider);
  }

  /** The model key of an epoch (appd derives the same key on every instance of the app). */
  async key(taskId: bigint, epoch: number): Promise<Uint8Array> {
    const id = modelKeyId(taskId, epoch);
    let key = this.cache.get(id);
    if (key === undefined) {
      try {
        key = await this.deps.appd.generateKey(id, 'raw-256');
      } catch (cause) {
        throw new ModelKeyUnavailableError(`appd did not derive the model key ${id}`, { cause });
      }
      this.cache.set(id, key);
    }
    return key;
  }

  /**
   * The epoch the next model of the task is sealed under: the current one while the admitted set is the one it started
   * with, otherwise a new epoch whose key is stored on chain first (idempotent: the same epoch and key again is a no-op).
   */
  async epochForNextModel(taskId: bigint): Promise<number> {
    const [admitted, current, startedWith] = await Promise.all([
      this.participants.participantsOf(taskId),
      this.registry.currentEpoch(taskId),
      this.registry.admittedSetHash(taskId),
    ]);
    const setHash = admittedSetHash(admitted);
    if (Number(current) > 0 && startedWith === setHash) return Number(current);
    const epoch = Number(current) + 1;
    const key = await this.key(taskId, epoch);
    const data = this.registry.interface.encodeFunctionData('setModelKey', [taskId, epoch, hexlify(key), setHash]);
    try {
      await this.deps.appd.signSubmit({ to: this.deps.modelKeysAddress, data, gasLimit: 250_000 });
    } catch (cause) {
      // another instance may have started the same epoch meanwhile: then the chain shows it with our set
      const [now, hash] = await Promise.all([this.registry.currentEpoch(taskId), this.registry.admittedSetHash(taskId)]);
      if (Number(now) !== epoch || hash !== setHash) {
        throw new ModelKeyUnavailableError(`could not start key epoch ${epoch} of task ${taskId}`, { cause });
      }
    }
    this.deps.log.info({ taskId: taskId.toString(), epoch, admitted: admitted.length }, 'model access: new key epoch');
    return epoch;
  }

  context(taskId: bigint, round: bigint, epoch: number): ModelSealContext {
    return { chainId: this.deps.chainId, contractAddress: this.deps.modelKeysAddress, taskId, round, epoch };
  }

  /** Seals a model file of `round` under the key of the task's epoch for its next model (starting one if needed). */
  async seal(taskId: bigint, round: bigint, plaintext: Uint8Array): Promise<{ sealed: Uint8Array; epoch: number }> {
    const epoch = await this.epochForNextModel(taskId);
    const sealed = await sealModel({ modelKey: await this.key(taskId, epoch), context: this.context(taskId, round, epoch), plaintext });
    return { sealed, epoch };
  }

  /** Records a sealed model's plaintext and ciphertext hashes on chain (after it is stored, before it is announced). */
  async record(taskId: bigint, round: bigint, epoch: number, plaintext: Uint8Array, sealed: Uint8Array): Promise<void> {
    const data = this.registry.interface.encodeFunctionData('recordSealedModel', [taskId, round, epoch, sha256Hex(plaintext), sha256Hex(sealed)]);
    await this.deps.appd.signSubmit({ to: this.deps.modelKeysAddress, data, gasLimit: 200_000 });
  }

  /**
   * Opens a stored model of the task inside the TEE: a model sealed under a model key (CLSM), or the author's initial
   * model sealed with HPKE to the aggregator's key (the envelope), whose hash the caller checked against the chain.
   */
  async openStored(taskId: bigint, bytes: Uint8Array): Promise<Uint8Array> {
    if (isSealedModel(bytes)) {
      const { round, epoch } = readSealedModelHeader(bytes);
      return openModel({ modelKey: await this.key(taskId, epoch), context: this.context(taskId, round, epoch), ciphertext: bytes });
    }
    return openUpdateToBytes({
      recipientKeyPair: this.deps.keys.hpke,
      context: initialModelEnvelopeContext(this.deps.chainId, this.deps.modelKeysAddress),
      ciphertext: bytes,
    });
  }

  /** Whether round `round` of the task has a sealed model on record. */
  async hasRecord(taskId: bigint, round: bigint): Promise<boolean> {
    try {
      await this.registry.sealedModel(taskId, round);
      return true;
    } catch {
      return false;
    }
  }
}
