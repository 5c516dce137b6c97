// The checks one committed update goes through, in order, each with the exclusion reason it answers with:
//   1. sha256(ciphertext) = the on-chain commitment                         HashMismatch
//   2. the EIP-712 signature recovers to the participant                    BadSignature
//   3. HPKE open with the round's EnvelopeContext (a replay fails here)     DecryptFailed
//   4. decode                                                               MalformedUpdate
//   5. names/shapes, finite values, L2 norm ≤ bound (validateUpdate)        ShapeMismatch, NonFinite, NormExceeded
// Pure functions of one update: the same code runs in the job's thread (inline) and in the opener pool's workers.
// Each step marks what it did in a `ChecksDone`, so the job and the benches count the checks actually performed:
// a faster path must not be a path with fewer checks.
import { decodeUpdate, openUpdateToBytes, recoverUpdateSigner, sha256Hex, type EnvelopeContext, type RecipientKeyPair } from '@cloister/protocol';
import { getAddress } from 'ethers';
import type { ModelLayout } from '../model/layout';
import { REASON, type ExclusionReason } from '../strategies/types';
import { validateUpdate } from './validateUpdate';

/** One downloaded update and what the chain says about it. */
export type UpdateToCheck = {
  ciphertext: Uint8Array;
  /** `x-cloister-signature` as served by the coordinator. */
  signature: string | undefined;
  /** The on-chain commitment (0x sha256 of the ciphertext). */
  commitment: string;
  /** sha256 of `ciphertext` (0x hex) when the download computed it on the fly; computed here otherwise. */
  sha256?: string;
  /** The round's envelope context; `participant` is checksummed. */
  context: EnvelopeContext;
};

/** What every update of one job is checked against. */
export type CheckParams = { keys: RecipientKeyPair; layout: ModelLayout; normBound: number };

export type OpenedUpdate = {
  ok: true;
  numExamples: number;
  metrics: Record<string, number>;
  /** Flat delta in model order: a view into the plaintext buffer the update was opened into. */
  flat: Float32Array;
  norm: number;
  sketch: Float64Array;
};
export type RejectedUpdate = { ok: false; reason: ExclusionReason; detail: string };
export type CheckResult = OpenedUpdate | RejectedUpdate;

/** Which checks one update went through; set by the step that performed each. */
export type ChecksDone = { hash: boolean; signature: boolean; open: boolean; validate: boolean };
/** Checks performed over many updates (a round, a bench run). */
export type CheckCounts = { hashes: number; signatures: number; openings: number; validations: number };

export const noChecks = (): ChecksDone => ({ hash: false, signature: false, open: false, validate: false });
export const zeroCounts = (): CheckCounts => ({ hashes: 0, signatures: 0, openings: 0, validations: 0 });

export function countChecks(counts: CheckCounts, done: ChecksDone): void {
  if (done.hash) counts.hashes += 1;
  if (done.signature) counts.signatures += 1;
  if (done.open) counts.openings += 1;
  if (done.validate) counts.validations += 1;
}

/**
 * Steps 1–2: is it the committed ciphertext, from the participant? (`sha256` when the download already hashed it on
 * the fly.) Null when both hold. Per 4 MB update here: hash ≈ 2–3 ms, EIP-712 hash + recovery ≈ 1–1.5 ms.
 */
export function authenticate(update: UpdateToCheck, done: ChecksDone): RejectedUpdate | null {
  const { ciphertext, signature, commitment, context } = update;
  const hash = update.sha256 ?? sha256Hex(ciphertext);
  done.hash = true;
  if (hash.toLowerCase() !== commitment.toLowerCase()) {
    return { ok: false, reason: REASON.HashMismatch, detail: 'ciphertext does not hash to the on-chain commitment' };
  }
  done.signature = true;
  const digest = { chainId: context.chainId, contractAddress: context.contractAddress, taskId: context.taskId, round: context.round, ciphertextHash: commitment };
  if (!signedBy(signature, context.participant, digest)) {
    return { ok: false, reason: REASON.BadSignature, detail: 'x-cloister-signature does not recover to the participant' };
  }
  return null;
}

/**
 * Steps 3–5: HPKE open into `output` (at least `ciphertext.length` bytes; the result's `flat` is a view into it),
 * decode (the codec returns views, the tensors lie contiguously in model order), validate in place.
 */
export async function openAndValidate(ciphertext: Uint8Array, context: EnvelopeContext, params: CheckParams, output: Uint8Array, done: ChecksDone): Promise<CheckResult> {
  let plaintext: Uint8Array;
  try {
    plaintext = await openUpdateToBytes({ recipientKeyPair: params.keys, context, ciphertext, output });
  } catch (error) {
    return { ok: false, reason: REASON.DecryptFailed, detail: (error as { code?: string }).code ?? 'open failed' };
  } finally {
    done.open = true;
  }
  let update: ReturnType<typeof decodeUpdate>;
  try {
    update = decodeUpdate(plaintext);
  } catch (error) {
    return { ok: false, reason: REASON.MalformedUpdate, detail: (error as { code?: string }).code ?? 'decode failed' };
  }
  done.validate = true;
  const checked = validateUpdate(update, params.layout, params.normBound);
  if (!checked.ok) return checked;
  return { ok: true, numExamples: update.numExamples, metrics: update.metrics, flat: checked.flat, norm: checked.norm, sketch: checked.sketch };
}

/** All five steps of one update, in order. */
export async function checkUpdate(update: UpdateToCheck, params: CheckParams, output: Uint8Array, done: ChecksDone): Promise<CheckResult> {
  return authenticate(update, done) ?? openAndValidate(update.ciphertext, update.context, params, output, done);
}

/**
 * Steps 3–5 for one update at a time into one plaintext buffer that is reused (and only grown) across updates: flat
 * memory for callers that hold one update at a time (benches, tools). The result's `flat` is valid until the next open.
 */
export class UpdateOpener {
  private buffer = new Uint8Array(0);

  constructor(
    private readonly keys: RecipientKeyPair,
    private readonly layout: ModelLayout,
    private readonly normBound: number,
  ) {}

  async open(ciphertext: Uint8Array, context: EnvelopeContext, done: ChecksDone = noChecks()): Promise<CheckResult> {
    // A plaintext is always shorter than its ciphertext.
    if (this.buffer.length < ciphertext.length) this.buffer = new Uint8Array(ciphertext.length);
    return openAndValidate(ciphertext, context, { keys: this.keys, layout: this.layout, normBound: this.normBound }, this.buffer, done);
  }
}

function signedBy(
  signature: string | undefined,
  participant: string,
  digest: { chainId: bigint; contractAddress: string; taskId: bigint; round: bigint; ciphertextHash: string },
): boolean {
  if (signature === undefined) return false;
  try {
    return getAddress(recoverUpdateSigner(digest, signature)) === getAddress(participant);
  } catch {
    return false;
  }
}
