// The library call for applications: predictions from a task's accepted model, computed inside the aggregator's TEE.
// Rows are sealed with HPKE to the aggregator's key read from the chain (never from a server), the request is signed by
// the paying account, and the answer comes back sealed to an ephemeral key only this call holds. A retry re-sends the
// same sealed bytes under the same request id, so it is charged once.
import type { CloisterContracts } from '@cloister/contracts';
import { openInferenceAnswer, sealInferenceRequest, sha256Hex, signInferenceRequest, type InferenceContext } from '@cloister/protocol';
import { getAddress, getBytes, hexlify, randomBytes, ZeroHash, type Signer } from 'ethers';
import { AggregatorKeyMissingError, InferenceInputInvalidError, InferenceRefusedError } from '../errors';
import { setTimeout as sleep } from 'node:timers/promises';

export type QueryModelOptions = {
  /** The aggregator's inference endpoint (its own HTTPS port behind ROFL's proxy). */
  url: string;
  /** The paying account (its prepaid credit in InferenceCredit). */
  signer: Signer;
  contracts: CloisterContracts;
  taskId: bigint;
  /** One array of feature values per row, in the model's input order (images flattened). */
  rows: number[][];
  /** Default: 32 random bytes. Re-use one to retry a request without paying twice. */
  requestId?: string;
  /** Attempts on a network error, 503 or 429 (default 3), honouring Retry-After (capped at 10 s). */
  attempts?: number;
};

export type QueryModelResult = {
  requestId: string;
  /** One array of outputs per row. */
  predictions: number[][];
  /** Cost of this request in wei (0 when it was a retry of an answered request). */
  cost: bigint;
  /** Credit left after every answered request of this account is settled, in wei. */
  creditLeft: bigint;
  replay: boolean;
  /** sha256 of the stored model that answered (the task's current model hash on chain). */
  modelHash: string;
};

export async function queryModel(options: QueryModelOptions): Promise<QueryModelResult> {
  const { rows, taskId, contracts } = options;
  const width = rows[0]?.length ?? 0;
  if (rows.length === 0 || width === 0 || rows.some((r) => r.length !== width || r.some((v) => !Number.isFinite(v)))) {
    throw new InferenceInputInvalidError('Give at least one row; every row needs the same number of finite numbers.', { details: { rows: rows.length } });
  }
  const keyHex = await contracts.aggregatorRegistry.hpkePublicKey();
  if (keyHex === ZeroHash) throw new AggregatorKeyMissingError('The aggregator has not published its HPKE key on chain yet; retry once it runs.');
  const querier = getAddress(await options.signer.getAddress());
  const network = await options.signer.provider!.getNetwork();
  const requestId = options.requestId ?? hexlify(randomBytes(32));
  const context: InferenceContext = {
    chainId: network.chainId,
    contractAddress: await contracts.inferenceCredit.getAddress(),
    taskId,
    querier,
    requestId,
  };
  const data = Float32Array.from(rows.flat());
  const { sealed, answerKeyPair } = await sealInferenceRequest({
    aggregatorPublicKey: getBytes(keyHex),
    context,
    input: { name: 'input', shape: [rows.length, width], data },
  });
  const signature = await signInferenceRequest(options.signer, context, sha256Hex(sealed));
  const body = JSON.stringify({ querier, requestId, sealedRequest: Buffer.from(sealed).toString('base64'), signature });
  const attempts = Math.max(1, options.attempts ?? 3);
  for (let attempt = 1; ; attempt++) {
    let response: Response;
    try {
      response = await fetch(`${options.url.replace(/\/$/, '')}/inference/v1/tasks/${taskId}/requests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    } catch (cause) {
      if (attempt < attempts) {
        await sleep(500 * attempt);
        continue;
      }
      throw new InferenceRefusedError(`The inference endpoint ${options.url} cannot be reached; check --inference-url.`, { details: { url: options.url }, cause });
    }
    const answer = (await response.json().catch(() => ({}))) as Record<string, string | number | boolean>;
    if (response.status === 200) {
      const output = await openInferenceAnswer({ answerKeyPair, context, sealed: new Uint8Array(Buffer.from(String(answer.sealedAnswer), 'base64')) });
      const perRow = output.data.length / rows.length;
      const predictions = Array.from({ length: rows.length }, (_, i) => Array.from(output.data.subarray(i * perRow, (i + 1) * perRow)));
      return {
        requestId,
        predictions,
        cost: BigInt(String(answer.cost)),
        creditLeft: BigInt(String(answer.creditLeft)),
        replay: answer.replay === true,
        modelHash: String(answer.modelHash),
      };
    }
    const retryAfter = Number(response.headers.get('retry-after') ?? '1');
    if ((response.status === 503 || response.status === 429) && attempt < attempts) {
      await sleep(Math.min(10, Math.max(1, retryAfter)) * 1000);
      continue;
    }
    throw new InferenceRefusedError(`The aggregator refused the request (HTTP ${response.status} ${String(answer.code ?? '')}): ${String(answer.message ?? '')}`, {
      details: { status: response.status, code: String(answer.code ?? ''), requestId },
    });
  }
}
