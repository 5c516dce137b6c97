import { randomBytes } from 'node:crypto';
import { decodeTensors, encodeTensors } from '../codec/index.js';
import { PROTOCOL_ERROR_CODES } from '../errors.js';
import { buildModelSealInfo, modelKeyId } from './buildModelSealInfo.js';
import { isSealedModel, openModel, readSealedModelHeader, sealModel } from './sealModel.js';

const context = {
  chainId: 31337n,
  contractAddress: '0x' + '11'.repeat(20),
  taskId: 7n,
  round: 3n,
  epoch: 2,
};
const model = encodeTensors([
  { name: 'dense/kernel', shape: [40, 3], data: Float32Array.from({ length: 120 }, (_, i) => Math.sin(i)) },
  { name: 'dense/bias', shape: [3], data: Float32Array.of(0.5, -1, 2) },
]);

describe('sealModel / openModel', () => {
  it('round-trips a tensor file over several chunks; the sealed bytes are not a tensor file', async () => {
    const key = randomBytes(32);
    const sealed = await sealModel({ modelKey: key, context, plaintext: model, chunkSize: 64 });
    expect(isSealedModel(sealed)).toBe(true);
    expect(readSealedModelHeader(sealed)).toEqual({ round: 3n, epoch: 2 });
    expect(() => decodeTensors(sealed)).toThrow();
    expect(Buffer.from(sealed).includes(Buffer.from('dense/kernel'))).toBe(false);
    const opened = await openModel({ modelKey: key, context, ciphertext: sealed });
    expect(Buffer.from(opened).equals(Buffer.from(model))).toBe(true);
  });

  it('two seals of the same model differ (fresh salt), both open', async () => {
    const key = randomBytes(32);
    const a = await sealModel({ modelKey: key, context, plaintext: model });
    const b = await sealModel({ modelKey: key, context, plaintext: model });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    await expect(openModel({ modelKey: key, context, ciphertext: b })).resolves.toHaveLength(model.length);
  });

  it('refuses another key, another context and modified bytes with typed errors', async () => {
    const key = randomBytes(32);
    const sealed = await sealModel({ modelKey: key, context, plaintext: model, chunkSize: 128 });
    await expect(openModel({ modelKey: randomBytes(32), context, ciphertext: sealed })).rejects.toMatchObject({
      code: PROTOCOL_ERROR_CODES.envelopeWrongKey,
    });
    for (const other of [{ ...context, epoch: 3 }, { ...context, round: 4n }, { ...context, taskId: 8n }]) {
      await expect(openModel({ modelKey: key, context: other, ciphertext: sealed })).rejects.toMatchObject({
        code: PROTOCOL_ERROR_CODES.envelopeWrongContext,
      });
    }
    const tampered = Uint8Array.from(sealed);
    tampered[tampered.length - 20]! ^= 1;
    await expect(openModel({ modelKey: key, context, ciphertext: tampered })).rejects.toMatchObject({
      code: PROTOCOL_ERROR_CODES.envelopeTampered,
    });
    await expect(openModel({ modelKey: key, context, ciphertext: sealed.subarray(0, sealed.length - 30) })).rejects.toMatchObject({
      code: PROTOCOL_ERROR_CODES.envelopeTruncated,
    });
    await expect(openModel({ modelKey: key, context, ciphertext: model })).rejects.toMatchObject({
      code: PROTOCOL_ERROR_CODES.envelopeHeaderInvalid,
    });
  });

  it('binds every context field into the info; key ids differ per task and epoch', () => {
    const base = Buffer.from(buildModelSealInfo(context));
    expect(base.length).toBe(111);
    for (const other of [{ ...context, chainId: 1n }, { ...context, contractAddress: '0x' + '12'.repeat(20) }, { ...context, epoch: 1 }]) {
      expect(Buffer.from(buildModelSealInfo(other)).equals(base)).toBe(false);
    }
    expect(() => buildModelSealInfo({ ...context, epoch: 0 })).toThrow(expect.objectContaining({ code: PROTOCOL_ERROR_CODES.envelopeInvalidContext }));
    expect(modelKeyId(7n, 2)).not.toBe(modelKeyId(7n, 3));
  });
});
