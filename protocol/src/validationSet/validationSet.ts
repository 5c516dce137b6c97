// A task author's validation set, sealed to the aggregator's key: examples as two tensors (`features`, `labels`, one
// row per example) in the tensor codec, sealed with the update envelope under the context VALIDATION_SET_ENVELOPE
// names (task 0, round 0, the zero address) on the deployment's chain and TaskManager. Only the TEE can open it; the
// spec carries the sha256 of the sealed bytes, so the aggregator knows it opened the set the spec was approved with.
import { decodeTensors } from '../codec/decodeTensors.js';
import { encodeTensors } from '../codec/encodeTensors.js';
import { openUpdateToBytes } from '../envelope/openUpdate.js';
import { sealUpdateToBytes } from '../envelope/sealUpdate.js';
import type { EnvelopeContext, RecipientKeyPair } from '../envelope/types.js';
import { CodecInconsistentError } from '../errors.js';
import { VALIDATION_SET_ENVELOPE } from '../schemas/constants.js';

/** Examples in row-major form (structurally the client's `Examples`). */
export type ValidationExamples = {
  featureShape: number[];
  labelShape: number[];
  features: Float32Array;
  labels: Float32Array;
  count: number;
};

/** The deployment a validation set is sealed for. */
export type ValidationSetDeployment = { chainId: bigint; contractAddress: string };

export function validationSetContext(deployment: ValidationSetDeployment): EnvelopeContext {
  return { chainId: deployment.chainId, contractAddress: deployment.contractAddress, ...VALIDATION_SET_ENVELOPE };
}

/** Encodes examples as the two tensors `features` [count, …featureShape] and `labels` [count, …labelShape]. */
export function encodeValidationSet(examples: ValidationExamples): Uint8Array {
  return encodeTensors([
    { name: 'features', shape: [examples.count, ...examples.featureShape], data: examples.features },
    { name: 'labels', shape: [examples.count, ...examples.labelShape], data: examples.labels },
  ]);
}

/** Decodes `encodeValidationSet`'s bytes; throws CodecInconsistentError when they are not two row-aligned tensors. */
export function decodeValidationSet(bytes: Uint8Array): ValidationExamples {
  const tensors = decodeTensors(bytes);
  const [features, labels] = tensors;
  if (tensors.length !== 2 || features?.name !== 'features' || labels?.name !== 'labels') {
    throw new CodecInconsistentError('a validation set holds exactly the tensors features and labels', { details: { format: 'validation-set' } });
  }
  const count = features.shape[0] ?? 0;
  if (features.shape.length < 2 || labels.shape.length < 2 || labels.shape[0] !== count || count < 1) {
    throw new CodecInconsistentError('validation features and labels must have the same number of rows (at least one)', {
      details: { format: 'validation-set', features: features.shape, labels: labels.shape },
    });
  }
  return { featureShape: features.shape.slice(1), labelShape: labels.shape.slice(1), features: features.data, labels: labels.data, count };
}

/** Seals a validation set to the aggregator's public key (the author runs this; the spec records the result's sha256). */
export function sealValidationSet(options: {
  examples: ValidationExamples;
  recipientPublicKey: Uint8Array;
  deployment: ValidationSetDeployment;
}): Promise<Uint8Array> {
  return sealUpdateToBytes({
    recipientPublicKey: options.recipientPublicKey,
    context: validationSetContext(options.deployment),
    plaintext: encodeValidationSet(options.examples),
  });
}

/** Opens a sealed validation set inside the TEE (typed envelope errors for a wrong key, context or a tampered byte). */
export async function openValidationSet(options: {
  sealed: Uint8Array;
  recipientKeyPair: RecipientKeyPair;
  deployment: ValidationSetDeployment;
}): Promise<ValidationExamples> {
  const plaintext = await openUpdateToBytes({
    recipientKeyPair: options.recipientKeyPair,
    context: validationSetContext(options.deployment),
    ciphertext: options.sealed,
  });
  return decodeValidationSet(plaintext);
}
