// Confidential inference inside the TEE: open the querier's sealed request, check who pays and whether it can,
// predict with the task's accepted model, record the usage once, seal the answer to the querier's ephemeral key.
import {
  openInferenceRequest,
  recoverInferenceRequestSigner,
  sealInferenceAnswer,
  sha256Hex,
  type InferenceContext,
} from '@cloister/protocol';
import { InferenceCredit__factory, type InferenceCredit } from '@cloister/contracts';
import { getAddress, isHexString, type Provider } from 'ethers';
import type { Logger } from 'pino';
import {
  AggregatorError,
  InferenceInsufficientCreditError,
  InferencePausedError,
  InferenceRateLimitedError,
  InferenceRequestInvalidError,
  InferenceSignatureInvalidError,
  InferenceUnavailableError,
} from '../errors';
import type { AggregatorKeys } from '../keys/aggregatorKeys';
import type { AcceptedModels } from './acceptedModels';
import { TtlCache } from './chainFacts';
import type { QuerierRateLimiter } from './rateLimiter';
import type { UsageLedger } from './usageLedger';

export type InferenceRequest = {
  taskId: bigint;
  querier: string;
  requestId: string;
  /** enc ‖ HPKE ciphertext (sealInferenceRequest). */
  sealed: Uint8Array;
  /** EIP-712 signature of the querier over (task, request id, sha256(sealed)). */
  signature: string;
};

export type InferenceAnswer = {
  requestId: string;
  rows: number;
  /** What this request costs (0 when it was answered before: a retry is not charged again). */
  cost: bigint;
  /** Credit left after every answered request of the querier is settled. */
  creditLeft: bigint;
  /** Whether this request id had been answered before (a retry). */
  replay: boolean;
  modelHash: string;
  sealedAnswer: Uint8Array;
};

export type InferenceServiceDeps = {
  provider: Provider;
  chainId: bigint;
  inferenceCreditAddress: string;
  keys: AggregatorKeys;
  models: AcceptedModels;
  ledger: UsageLedger;
  rateLimiter: QuerierRateLimiter;
  /** Largest number of rows in one request. */
  maxRows: number;
  /** How long price, pause and credit reads are reused (default 1000 ms; 0 reads the chain on every request). */
  chainCacheMs?: number;
  log: Logger;
};

export class InferenceService {
  private readonly credit: InferenceCredit;
  private readonly terms_: TtlCache<string, [bigint, boolean]>;
  private readonly credits: TtlCache<string, bigint>;

  constructor(private readonly deps: InferenceServiceDeps) {
    this.credit = InferenceCredit__factory.connect(deps.inferenceCreditAddress, deps.provider);
    this.terms_ = new TtlCache(deps.chainCacheMs ?? 1000);
    this.credits = new TtlCache(deps.chainCacheMs ?? 1000);
  }

  private taskTerms(taskId: bigint): Promise<[bigint, boolean]> {
    return this.terms_.get(taskId.toString(), () => Promise.all([this.credit.priceOf(taskId), this.credit.isPaused(taskId)]));
  }

  /** Drops a querier's cached credit (after its usage was settled: the chain credit and the ledger moved together). */
  forgetCredit(querier: string): void {
    this.credits.delete(getAddress(querier));
  }

  private creditOf(querier: string): Promise<bigint> {
    return this.credits.get(querier, () => this.credit.creditOf(querier));
  }

  /** The public terms of a task's inference: price per row, paused, the key requests are sealed to. */
  async terms(taskId: bigint): Promise<{ pricePerRow: bigint; paused: boolean; modelHash: string }> {
    const [pricePerRow, paused, model] = await this.chain(() =>
      Promise.all([this.credit.priceOf(taskId), this.credit.isPaused(taskId), this.deps.models.get(taskId)]),
    );
    return { pricePerRow, paused, modelHash: model.modelHash };
  }

  async answer(request: InferenceRequest): Promise<InferenceAnswer> {
    const { taskId, requestId, sealed, signature } = request;
    if (!isHexString(requestId, 32)) throw new InferenceRequestInvalidError('requestId must be 0x + 64 hex digits');
    let querier: string;
    try {
      querier = getAddress(request.querier);
    } catch (cause) {
      throw new InferenceRequestInvalidError('querier must be an address', { cause });
    }
    const context: InferenceContext = {
      chainId: this.deps.chainId,
      contractAddress: this.deps.inferenceCreditAddress,
      taskId,
      querier,
      requestId,
    };
    // 1. Who pays: the signature over the ciphertext hash, before any work.
    let signer: string;
    try {
      signer = recoverInferenceRequestSigner(context, sha256Hex(sealed), signature);
    } catch (cause) {
      throw new InferenceSignatureInvalidError('the request signature is malformed', { cause });
    }
    if (signer !== querier) {
      throw new InferenceSignatureInvalidError(`the request is signed by ${signer}, not by the querier ${querier}`);
    }
    const limit = await this.redis(() => this.deps.rateLimiter.take(querier));
    if (!limit.allowed) {
      throw new InferenceRateLimitedError(`too many requests from ${querier}; retry in ${limit.retryAfterSeconds} s`, {
        details: { retryAfterSeconds: limit.retryAfterSeconds },
      });
    }
    // 2. Open inside the TEE.
    let opened;
    try {
      opened = await openInferenceRequest({ recipientKeyPair: this.deps.keys.hpke, context, sealed });
    } catch (cause) {
      throw new InferenceRequestInvalidError('the request does not open with the aggregator key for this task, querier and request id', { cause });
    }
    const rows = opened.input.shape[0] ?? 0;
    if (rows < 1 || rows > this.deps.maxRows) {
      throw new InferenceRequestInvalidError(`a request carries 1..${this.deps.maxRows} rows, this one ${rows}`, { details: { rows } });
    }
    // 3. Terms and credit (a retry of an answered request costs nothing more).
    const [[price, paused], credit, unsettled, replay, model] = await this.chain(() =>
      Promise.all([
        this.taskTerms(taskId),
        this.creditOf(querier),
        this.deps.ledger.unsettledCost(querier),
        this.deps.ledger.wasAnswered({ taskId, querier, requestId }),
        this.deps.models.get(taskId),
      ]),
    );
    if (paused) throw new InferencePausedError(`governance paused inference for task ${taskId}`);
    const cost = replay ? 0n : price * BigInt(rows);
    const available = credit - unsettled;
    if (cost > available) {
      throw new InferenceInsufficientCreditError(
        `this request costs ${cost} (${rows} rows × ${price}); credit left after unsettled usage is ${available}: deposit more (cloister-client credit deposit)`,
        { details: { cost: cost.toString(), available: available.toString(), rows, pricePerRow: price.toString() } },
      );
    }
    // 4. Predict, record once, seal. The usage is recorded before the answer leaves: no answer without a record.
    const output = model.predict(opened.input);
    const sealedAnswer = await sealInferenceAnswer({ answerPublicKey: opened.answerPublicKey, context, output });
    let charged = false;
    if (!replay) {
      charged = await this.redis(() => this.deps.ledger.recordAnswered({ taskId, querier, requestId, rows, cost }));
    }
    this.deps.log.info({ taskId: taskId.toString(), querier, requestId, rows, charged }, 'inference: answered');
    return {
      requestId,
      rows,
      cost: charged ? cost : 0n,
      creditLeft: available - (charged ? cost : 0n),
      replay: !charged,
      modelHash: model.modelHash,
      sealedAnswer,
    };
  }

  private async chain<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (cause) {
      if (cause instanceof AggregatorError) throw cause;
      throw new InferenceUnavailableError('the chain or Redis cannot be read right now', { cause });
    }
  }

  private async redis<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (cause) {
      throw new InferenceUnavailableError('Redis cannot be reached right now', { cause });
    }
  }
}
