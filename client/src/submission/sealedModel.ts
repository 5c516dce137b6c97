// Model access `consortium` on the participant's side: the round's global model is stored sealed under the task's
// model key. The participant reads the key from ModelKeyRegistry with a SiweAuth token (it must be admitted), opens
// the model and checks its plaintext hash against the on-chain record before training on it.
import { siweLogin, type CloisterContracts } from '@cloister/contracts';
import { isSealedModel, openModel, readSealedModelHeader, sha256Hex } from '@cloister/protocol';
import { getBytes, type Signer } from 'ethers';
import { GlobalModelHashMismatchError, ModelKeyDeniedError, SealedModelUnavailableError } from '../errors';
import type { CoordinatorClient } from './coordinatorClient';
import { fetchVerified } from './globalModel';

/**
 * The tensor file of a consortium task's model stored under `storedHash` (already fetched and hash-checked as
 * `stored`). The author's initial model (sealed with HPKE to the TEE) is replaced by its round-0 re-sealing.
 */
export async function openConsortiumModel(options: {
  contracts: CloisterContracts;
  signer: Signer;
  coordinator: CoordinatorClient;
  taskId: bigint;
  stored: Uint8Array;
}): Promise<Uint8Array> {
  const { contracts, taskId } = options;
  const registry = contracts.modelKeys;
  let stored = options.stored;
  if (!isSealedModel(stored)) {
    const initial = await registry.sealedModel(taskId, 0).catch((cause: unknown) => {
      throw new SealedModelUnavailableError(
        `Task ${taskId}'s initial model has not been re-sealed under the task key yet; retry in a few seconds.`,
        { details: { taskId: String(taskId) }, cause },
      );
    });
    stored = await fetchVerified(options.coordinator, initial.ciphertextHash, 'sealed initial model');
  }
  const { round, epoch } = readSealedModelHeader(stored);
  const record = await registry.sealedModel(taskId, round);
  if (record.ciphertextHash !== sha256Hex(stored)) {
    throw new GlobalModelHashMismatchError(`The sealed model is not the one recorded for round ${round} of task ${taskId}; it was refused.`, {
      details: { expected: record.ciphertextHash, actual: sha256Hex(stored) },
    });
  }
  let key: string;
  try {
    key = await registry.modelKey(await siweLogin(options.signer, registry), taskId, epoch);
  } catch (cause) {
    throw new ModelKeyDeniedError(
      `ModelKeyRegistry refused the key of task ${taskId} (epoch ${epoch}) to this account: it must be admitted to the task or a governance member.`,
      { details: { taskId: String(taskId), epoch }, cause },
    );
  }
  const network = await options.signer.provider!.getNetwork();
  const plaintext = await openModel({
    modelKey: getBytes(key),
    context: { chainId: network.chainId, contractAddress: await registry.getAddress(), taskId, round, epoch },
    ciphertext: stored,
  });
  const actual = sha256Hex(plaintext);
  if (actual !== record.plaintextHash) {
    throw new GlobalModelHashMismatchError(`The opened model of round ${round} does not hash to the recorded plaintext hash; it was refused.`, {
      details: { expected: record.plaintextHash, actual },
    });
  }
  return plaintext;
}
