import { generateRecipientKeyPair } from '../envelope/keys.js';
import { encodeTensors } from '../codec/encodeTensors.js';
import { decodeValidationSet, encodeValidationSet, openValidationSet, sealValidationSet } from './validationSet.js';

const examples = {
  featureShape: [2, 2, 1],
  labelShape: [3],
  features: Float32Array.from({ length: 3 * 4 }, (_, i) => i / 10),
  labels: Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]),
  count: 3,
};
const deployment = { chainId: 31337n, contractAddress: '0x5FbDB2315678afecb367f032d93F642f64180aa3' };

describe('validation set', () => {
  it('round-trips through encode/decode with its shapes', () => {
    const decoded = decodeValidationSet(encodeValidationSet(examples));
    expect(decoded.count).toBe(3);
    expect(decoded.featureShape).toEqual([2, 2, 1]);
    expect(decoded.labelShape).toEqual([3]);
    expect(Array.from(decoded.features)).toEqual(Array.from(examples.features));
    expect(Array.from(decoded.labels)).toEqual(Array.from(examples.labels));
  });

  it('opens only with the aggregator key and only for the deployment it was sealed for', async () => {
    const aggregator = await generateRecipientKeyPair();
    const other = await generateRecipientKeyPair();
    const sealed = await sealValidationSet({ examples, recipientPublicKey: aggregator.publicKey, deployment });
    const opened = await openValidationSet({ sealed, recipientKeyPair: aggregator, deployment });
    expect(Array.from(opened.labels)).toEqual(Array.from(examples.labels));
    await expect(openValidationSet({ sealed, recipientKeyPair: other, deployment })).rejects.toMatchObject({ code: 'CLOISTER_ERR_ENVELOPE_WRONG_KEY' });
    const elsewhere = { ...deployment, chainId: 23295n };
    await expect(openValidationSet({ sealed, recipientKeyPair: aggregator, deployment: elsewhere })).rejects.toMatchObject({
      code: 'CLOISTER_ERR_ENVELOPE_WRONG_CONTEXT',
    });
  });

  it('refuses tensors that are not a features/labels pair with the same rows', () => {
    const rowsDiffer = encodeTensors([
      { name: 'features', shape: [3, 4], data: new Float32Array(12) },
      { name: 'labels', shape: [2, 3], data: new Float32Array(6) },
    ]);
    expect(() => decodeValidationSet(rowsDiffer)).toThrow(expect.objectContaining({ code: 'CLOISTER_ERR_CODEC_INCONSISTENT' }));
    const wrongNames = encodeTensors([{ name: 'x', shape: [1, 1], data: new Float32Array(1) }]);
    expect(() => decodeValidationSet(wrongNames)).toThrow(expect.objectContaining({ code: 'CLOISTER_ERR_CODEC_INCONSISTENT' }));
  });
});
