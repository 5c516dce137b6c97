// Confidential inference messages: single-shot HPKE (RFC 9180 base mode, the envelope's suite) of a tensor file.
// The request goes to the aggregator's on-chain X25519 key and carries an ephemeral public key of the querier; the
// answer is sealed to that key. Both `info`s bind chain, contract, task, querier and request id (buildInferenceInfo),
// so an answer cannot be replayed to another request and a request cannot be charged to another querier or task.
// Wire form of each: enc (32 bytes) ‖ HPKE ciphertext.
import { decodeTensors } from '../codec/decodeTensors.js';
import { encodeTensors } from '../codec/encodeTensors.js';
import type { NamedTensor } from '../codec/types.js';
import { EnvelopeInvalidOptionsError, EnvelopeTruncatedError, EnvelopeWrongKeyError } from '../errors.js';
import { generateRecipientKeyPair, importRecipientPublicKey } from '../envelope/keys.js';
import { envelopeSuite } from '../envelope/suite.js';
import type { RecipientKeyPair } from '../envelope/types.js';
import { buildInferenceInfo, type InferenceContext } from './inferenceContext.js';

const ENC_BYTES = 32;
const KEY_BYTES = 32;

async function seal(recipient: Uint8Array, info: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
  const recipientPublicKey = await importRecipientPublicKey(recipient);
  const { ct: ciphertext, enc } = await envelopeSuite().seal({ recipientPublicKey, info }, plaintext);
  const out = new Uint8Array(ENC_BYTES + ciphertext.byteLength);
  out.set(new Uint8Array(enc), 0);
  out.set(new Uint8Array(ciphertext), ENC_BYTES);
  return out;
}

async function open(keyPair: RecipientKeyPair, info: Uint8Array, sealed: Uint8Array, what: string): Promise<Uint8Array> {
  if (!(sealed instanceof Uint8Array) || sealed.length < ENC_BYTES + 16) {
    throw new EnvelopeTruncatedError(`the sealed ${what} is too short`, { details: { where: what } });
  }
  try {
    const plaintext = await envelopeSuite().open(
      { recipientKey: keyPair.privateKey, enc: sealed.subarray(0, ENC_BYTES), info },
      sealed.subarray(ENC_BYTES),
    );
    return new Uint8Array(plaintext);
  } catch (cause) {
    throw new EnvelopeWrongKeyError(
      `the sealed ${what} does not open with this key and context (other key, task, querier or request id, or modified)`,
      { cause },
    );
  }
}

export type SealedInferenceRequest = {
  /** enc ‖ ciphertext, sent to the aggregator. */
  sealed: Uint8Array;
  /** The ephemeral key pair the answer is sealed to; keep it until the answer is opened. */
  answerKeyPair: RecipientKeyPair;
};

/** Seals input rows (one tensor, first dimension = rows) to the aggregator's public key. */
export async function sealInferenceRequest(options: {
  aggregatorPublicKey: Uint8Array;
  context: InferenceContext;
  input: NamedTensor;
}): Promise<SealedInferenceRequest> {
  const answerKeyPair = await generateRecipientKeyPair();
  const body = encodeTensors([options.input]);
  const plaintext = new Uint8Array(KEY_BYTES + body.length);
  plaintext.set(answerKeyPair.publicKey, 0);
  plaintext.set(body, KEY_BYTES);
  return {
    sealed: await seal(options.aggregatorPublicKey, buildInferenceInfo(options.context, 'request'), plaintext),
    answerKeyPair,
  };
}

/** Opens a request inside the TEE: the querier's answer key and the input tensor. */
export async function openInferenceRequest(options: {
  recipientKeyPair: RecipientKeyPair;
  context: InferenceContext;
  sealed: Uint8Array;
}): Promise<{ answerPublicKey: Uint8Array; input: NamedTensor }> {
  const plaintext = await open(options.recipientKeyPair, buildInferenceInfo(options.context, 'request'), options.sealed, 'request');
  const tensors = decodeTensors(plaintext.subarray(KEY_BYTES));
  if (tensors.length !== 1) {
    throw new EnvelopeInvalidOptionsError(`an inference request carries one input tensor, not ${tensors.length}`);
  }
  return { answerPublicKey: plaintext.slice(0, KEY_BYTES), input: tensors[0]! };
}

/** Seals the predictions to the querier's ephemeral key. */
export async function sealInferenceAnswer(options: {
  answerPublicKey: Uint8Array;
  context: InferenceContext;
  output: NamedTensor;
}): Promise<Uint8Array> {
  return seal(options.answerPublicKey, buildInferenceInfo(options.context, 'answer'), encodeTensors([options.output]));
}

/** Opens an answer with the ephemeral key pair kept from sealInferenceRequest. */
export async function openInferenceAnswer(options: {
  answerKeyPair: RecipientKeyPair;
  context: InferenceContext;
  sealed: Uint8Array;
}): Promise<NamedTensor> {
  const plaintext = await open(options.answerKeyPair, buildInferenceInfo(options.context, 'answer'), options.sealed, 'answer');
  const tensors = decodeTensors(plaintext);
  if (tensors.length !== 1) throw new EnvelopeInvalidOptionsError('an inference answer carries one output tensor');
  return tensors[0]!;
}
