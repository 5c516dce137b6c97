import { openValidationSet, type RecipientKeyPair, type ResolvedTrainingTaskSpec, type ValidationExamples } from '@cloister/protocol';
import { ValidationSetUnavailableError } from '../errors';

/**
 * Fetches the task's sealed validation set by the hash the spec carries (the coordinator's blob store checks the hash
 * on the way) and opens it with the aggregator's key, inside the TEE. Null when the spec has none.
 */
export async function loadValidationSet(
  spec: Pick<ResolvedTrainingTaskSpec, 'validationSet'>,
  deps: { getBlob: (sha256: string) => Promise<Uint8Array>; keys: RecipientKeyPair; chainId: bigint; taskManagerAddress: string },
): Promise<ValidationExamples | null> {
  const section = spec.validationSet;
  if (section === undefined) return null;
  try {
    const sealed = await deps.getBlob(section.hash);
    return await openValidationSet({ sealed, recipientKeyPair: deps.keys, deployment: { chainId: deps.chainId, contractAddress: deps.taskManagerAddress } });
  } catch (cause) {
    throw new ValidationSetUnavailableError(`the task's validation set ${section.hash} cannot be fetched or opened: the author must seal it to this aggregator's key and deployment`, {
      cause,
      details: { hash: section.hash, uri: section.uri },
    });
  }
}
