// The querier's side of confidential inference for the aggregator's tests (the client package's queryModel does
// the same for applications): seal rows to the on-chain key, sign, POST, open the answer.
import {
  openInferenceAnswer,
  sealInferenceRequest,
  sha256Hex,
  signInferenceRequest,
  type InferenceContext,
  type NamedTensor,
} from '@cloister/protocol';
import { hexlify, randomBytes, type Wallet } from 'ethers';

export type QueryResult = { status: number; body: Record<string, unknown>; output?: NamedTensor; retryAfter?: string };

export async function query(options: {
  url: string;
  chainId: bigint;
  inferenceCredit: string;
  aggregatorPublicKey: Uint8Array;
  taskId: bigint;
  querier: Wallet;
  input: NamedTensor;
  requestId?: string;
  /** Re-send exactly these sealed bytes and signature (a replay). */
  replay?: { sealed: Uint8Array; signature: string; answerKeyPair: Awaited<ReturnType<typeof sealInferenceRequest>>['answerKeyPair'] };
}): Promise<QueryResult & { requestId: string; replay: NonNullable<(typeof options)['replay']> }> {
  const requestId = options.requestId ?? hexlify(randomBytes(32));
  const context: InferenceContext = {
    chainId: options.chainId,
    contractAddress: options.inferenceCredit,
    taskId: options.taskId,
    querier: options.querier.address,
    requestId,
  };
  let replay = options.replay;
  if (replay === undefined) {
    const { sealed, answerKeyPair } = await sealInferenceRequest({ aggregatorPublicKey: options.aggregatorPublicKey, context, input: options.input });
    replay = { sealed, answerKeyPair, signature: await signInferenceRequest(options.querier, context, sha256Hex(sealed)) };
  }
  const response = await fetch(`${options.url}/inference/v1/tasks/${options.taskId}/requests`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      querier: options.querier.address,
      requestId,
      sealedRequest: Buffer.from(replay.sealed).toString('base64'),
      signature: replay.signature,
    }),
  });
  const body = (await response.json()) as Record<string, unknown>;
  const result: QueryResult = { status: response.status, body, retryAfter: response.headers.get('retry-after') ?? undefined };
  if (response.status === 200) {
    result.output = await openInferenceAnswer({
      answerKeyPair: replay.answerKeyPair,
      context,
      sealed: new Uint8Array(Buffer.from(body.sealedAnswer as string, 'base64')),
    });
  }
  return { ...result, requestId, replay };
}
