import {
  decodeUpdate,
  openUpdateToBytes,
  type EnvelopeContext,
  type RecipientKeyPair,
} from '@cloister/protocol';
import type { ModelLayout } from '../model/layout';
import { REASON, type ExclusionReason } from '../strategies/types';
import { validateUpdate } from '../validation/validateUpdate';

export type OpenedUpdate = {
  ok: true;
  numExamples: number;
  metrics: Record<string, number>;
  /** Flat delta in model order: a view into the opener's reused buffer, valid until the next `open`. */
  flat: Float32Array;
  norm: number;
  sketch: Float64Array;
};
export type RejectedUpdate = { ok: false; reason: ExclusionReason; detail: string };

/**
 * open → decode → validate for one update at a time, with flat memory: the plaintext is written into one buffer that
 * is reused (and only grown) across updates, and decoding and validation read it in place (the codec returns views
 * and the tensors lie contiguously in model order, so the flat vector is a view too).
 */
export class UpdateOpener {
  private buffer = new Uint8Array(0);

  constructor(
    private readonly keys: RecipientKeyPair,
    private readonly layout: ModelLayout,
    private readonly normBound: number,
  ) {}

  async open(ciphertext: Uint8Array, context: EnvelopeContext): Promise<OpenedUpdate | RejectedUpdate> {
    // A plaintext is always shorter than its ciphertext.
    if (this.buffer.length < ciphertext.length) this.buffer = new Uint8Array(ciphertext.length);
    return this.openInto(ciphertext, context, this.buffer);
  }

  /**
   * Like `open`, with the plaintext written into `output` (at least `ciphertext.length` bytes, owned by the caller:
   * the pipeline passes one per in-flight update). The result's `flat` is a view into `output`.
   */
  async openInto(ciphertext: Uint8Array, context: EnvelopeContext, output: Uint8Array): Promise<OpenedUpdate | RejectedUpdate> {
    let plaintext: Uint8Array;
    try {
      plaintext = await openUpdateToBytes({
        recipientKeyPair: this.keys,
        context,
        ciphertext,
        output,
      });
    } catch (error) {
      return {
        ok: false,
        reason: REASON.DecryptFailed,
        detail: (error as { code?: string }).code ?? 'open failed',
      };
    }
    let update: ReturnType<typeof decodeUpdate>;
    try {
      update = decodeUpdate(plaintext);
    } catch (error) {
      return {
        ok: false,
        reason: REASON.MalformedUpdate,
        detail: (error as { code?: string }).code ?? 'decode failed',
      };
    }
    const checked = validateUpdate(update, this.layout, this.normBound);
    if (!checked.ok) return checked;
    return {
      ok: true,
      numExamples: update.numExamples,
      metrics: update.metrics,
      flat: checked.flat,
      norm: checked.norm,
      sketch: checked.sketch,
    };
  }
}
