import { Wallet, hexlify, randomBytes } from 'ethers';
import { generateRecipientKeyPair } from '../envelope/keys.js';
import { PROTOCOL_ERROR_CODES } from '../errors.js';
import { sha256Hex } from '../hash/sha256Hex.js';
import { recoverInferenceRequestSigner, signInferenceRequest, type InferenceContext } from './inferenceContext.js';
import { openInferenceAnswer, openInferenceRequest, sealInferenceAnswer, sealInferenceRequest } from './sealInference.js';

describe('confidential inference messages', () => {
  const querier = Wallet.createRandom();
  const context: InferenceContext = {
    chainId: 31337n,
    contractAddress: '0x' + '22'.repeat(20),
    taskId: 1n,
    querier: querier.address,
    requestId: hexlify(randomBytes(32)),
  };
  const input = { name: 'input', shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) };

  it('a request opens in the TEE and its answer opens with the querier ephemeral key only', async () => {
    const aggregator = await generateRecipientKeyPair();
    const { sealed, answerKeyPair } = await sealInferenceRequest({ aggregatorPublicKey: aggregator.publicKey, context, input });
    const opened = await openInferenceRequest({ recipientKeyPair: aggregator, context, sealed });
    expect(Array.from(opened.input.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(opened.input.shape).toEqual([2, 3]);
    const output = { name: 'output', shape: [2, 1], data: Float32Array.of(0.25, 0.75) };
    const answer = await sealInferenceAnswer({ answerPublicKey: opened.answerPublicKey, context, output });
    const got = await openInferenceAnswer({ answerKeyPair, context, sealed: answer });
    expect(Array.from(got.data)).toEqual([0.25, 0.75]);
    // the aggregator's own key does not open the answer; another request id does not either
    await expect(openInferenceAnswer({ answerKeyPair: aggregator, context, sealed: answer })).rejects.toMatchObject({
      code: PROTOCOL_ERROR_CODES.envelopeWrongKey,
    });
    const replayed = { ...context, requestId: hexlify(randomBytes(32)) };
    await expect(openInferenceRequest({ recipientKeyPair: aggregator, context: replayed, sealed })).rejects.toMatchObject({
      code: PROTOCOL_ERROR_CODES.envelopeWrongKey,
    });
    await expect(
      openInferenceRequest({ recipientKeyPair: aggregator, context: { ...context, querier: Wallet.createRandom().address }, sealed }),
    ).rejects.toMatchObject({ code: PROTOCOL_ERROR_CODES.envelopeWrongKey });
  });

  it('the querier signature over the sealed request recovers its address', async () => {
    const hash = sha256Hex(Uint8Array.of(1, 2, 3));
    const signature = await signInferenceRequest(querier, context, hash);
    expect(recoverInferenceRequestSigner(context, hash, signature)).toBe(querier.address);
    expect(recoverInferenceRequestSigner({ ...context, taskId: 2n }, hash, signature)).not.toBe(querier.address);
  });
});
