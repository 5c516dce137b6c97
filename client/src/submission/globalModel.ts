// Downloads from the coordinator, trusted only after their sha256 matches the hash on chain.
import { decodeTensors, parseTaskSpec, sha256Hex, type NamedTensor, type TaskSpec } from '@cloister/protocol';
import { GlobalModelHashMismatchError, ModelSpecInvalidError } from '../errors';
import type { CoordinatorClient } from './coordinatorClient';

/** Fetches content-addressed bytes and refuses them unless sha256(bytes) equals `expectedHash`. */
export async function fetchVerified(coordinator: CoordinatorClient, expectedHash: string, what: string): Promise<Uint8Array> {
  const bytes = await coordinator.getBlob(expectedHash);
  const actual = sha256Hex(bytes);
  if (actual !== expectedHash.toLowerCase()) {
    throw new GlobalModelHashMismatchError(
      `The ${what} downloaded from ${coordinator.baseUrl} has sha256 ${actual}, but the chain says ${expectedHash}; it was refused. The coordinator may be faulty: report it and do not train on it.`,
      { details: { expected: expectedHash, actual, what } },
    );
  }
  return bytes;
}

/** The round's global model (the on-chain previousModelHash of the round), hash-checked and decoded. */
export async function fetchGlobalModel(coordinator: CoordinatorClient, modelHash: string): Promise<NamedTensor[]> {
  return decodeTensors(await fetchVerified(coordinator, modelHash, 'global model'));
}

/** The task spec document (its sha256 is the task's modelSpecHash), hash-checked and validated (version 1 is upgraded). */
export async function fetchTaskSpec(coordinator: CoordinatorClient, modelSpecHash: string): Promise<TaskSpec> {
  const bytes = await fetchVerified(coordinator, modelSpecHash, 'task spec');
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new ModelSpecInvalidError(`The task spec ${modelSpecHash} is not JSON.`, { details: { modelSpecHash }, cause: error });
  }
  try {
    return parseTaskSpec(json, 'task spec');
  } catch (error) {
    throw new ModelSpecInvalidError(`The task spec ${modelSpecHash} is invalid: ${(error as Error).message}`, { details: { modelSpecHash }, cause: error });
  }
}
