import { aggregatorAuthMessage, HEADERS, sha256Hex, signPersonalMessage } from '@cloister/protocol';
import type { Wallet } from 'ethers';
import { createHash, type Hash } from 'node:crypto';
import { Agent, request } from 'undici';
import { BlobHashMismatchError, CoordinatorHttpError } from '../errors';

export type FetchedUpdate = {
  ciphertext: Uint8Array;
  signature: string | undefined;
  /** With `reuse`: the buffer the ciphertext was read into (`reuse` itself, or a larger one to reuse next time). */
  buffer?: Uint8Array;
  /** sha256 of the ciphertext (0x hex), computed piece by piece while it downloaded (only when asked: `hash: true`). */
  sha256?: string;
};

const hexOf = (sha: string) => sha.replace(/^0x/, '').toLowerCase();

/**
 * The coordinator's aggregator routes (docs/interfaces.md): blobs by sha256, ciphertext per participant. Every
 * request carries `x-cloister-aggregator-timestamp` / `-signature` (EIP-191 over `cloister-aggregator:METHOD:path:ts`)
 * by the aggregator's signer key.
 */
export class CoordinatorClient {
  private readonly agent = new Agent({ keepAliveTimeout: 10_000, connections: 4 });
  private readonly base: string;
  /**
   * The last blobs this client stored (a job's new model and metrics), by their sha256 computed here over these exact
   * bytes: the next round's previous model is this round's new one, read back without a download (and a hash pass).
   */
  private readonly stored = new Map<string, Uint8Array>();
  private static readonly STORED_KEPT = 2;

  constructor(
    baseUrl: string,
    private readonly signer: Wallet,
    private readonly options: { maxBytes: number; timeoutMs?: number } = { maxBytes: 1 << 30 },
  ) {
    this.base = baseUrl.replace(/\/+$/, '');
  }

  private async authHeaders(method: string, path: string): Promise<Record<string, string>> {
    const ts = Date.now().toString();
    // One signature per request (each update's download): libsecp256k1 rather than ethers' pure-JS signer.
    const signature = await signPersonalMessage(this.signer, aggregatorAuthMessage(method, path, ts));
    return { [HEADERS.aggregatorTimestamp]: ts, [HEADERS.aggregatorSignature]: signature };
  }

  /**
   * GET `path`, body collected in memory. With `reuse` and a declared content-length, the body is written straight
   * into `reuse` (or into one new buffer of that length when `reuse` is too small): no piece list, no concatenation.
   */
  private async get(
    path: string,
    reuse?: Uint8Array,
    hasher?: Hash,
  ): Promise<{ status: number; body: Uint8Array; headers: Record<string, unknown>; buffer?: Uint8Array }> {
    const response = await request(`${this.base}${path}`, {
      method: 'GET',
      dispatcher: this.agent,
      headers: await this.authHeaders('GET', path),
      headersTimeout: this.options.timeoutMs ?? 60_000,
      bodyTimeout: this.options.timeoutMs ?? 60_000,
    });
    const declared = Number(response.headers['content-length'] ?? NaN);
    if (declared > this.options.maxBytes) {
      response.body.destroy();
      throw new CoordinatorHttpError(`GET ${path}: ${declared} bytes exceeds the limit of ${this.options.maxBytes}`);
    }
    if (reuse !== undefined && Number.isSafeInteger(declared) && declared >= 0) {
      const target = declared <= reuse.length ? reuse : new Uint8Array(declared);
      let filled = 0;
      for await (const piece of response.body) {
        const bytes = piece as Buffer;
        if (filled + bytes.length > declared) {
          response.body.destroy();
          throw new CoordinatorHttpError(`GET ${path}: body is longer than its content-length ${declared}`);
        }
        target.set(bytes, filled);
        hasher?.update(bytes);
        filled += bytes.length;
      }
      return { status: response.statusCode, body: target.subarray(0, filled), headers: response.headers, buffer: target };
    }
    const pieces: Buffer[] = [];
    let total = 0;
    for await (const piece of response.body) {
      total += (piece as Buffer).length;
      if (total > this.options.maxBytes) {
        response.body.destroy();
        throw new CoordinatorHttpError(`GET ${path}: body exceeds the limit of ${this.options.maxBytes} bytes`);
      }
      pieces.push(piece as Buffer);
      hasher?.update(piece as Buffer);
    }
    const body = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, total);
    return { status: response.statusCode, body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength), headers: response.headers };
  }

  /** GET /v1/blobs/:sha256, verified against the expected (on-chain) hash. */
  async getBlob(sha256: string): Promise<Uint8Array> {
    const kept = this.stored.get(`0x${hexOf(sha256)}`);
    if (kept !== undefined) return kept;
    const path = `/v1/blobs/${hexOf(sha256)}`;
    const { status, body } = await this.get(path);
    if (status !== 200) throw new CoordinatorHttpError(`GET ${path} answered HTTP ${status}`, { details: { status, path } });
    const actual = sha256Hex(body);
    if (actual !== `0x${hexOf(sha256)}`) {
      throw new BlobHashMismatchError(`blob ${sha256} from the coordinator hashes to ${actual}`, { details: { expected: sha256, actual } });
    }
    return body;
  }

  /**
   * GET the sealed update of `participant`; null when the coordinator has none (404). With `options.reuse` the
   * ciphertext is written into that buffer when it fits (the result is then a view of it, valid until it is reused).
   * With `options.hash` it is hashed while it downloads, in this thread; the aggregation job leaves the hash to the
   * opener pool's threads instead (this thread downloads and folds).
   */
  async getUpdate(taskId: bigint, round: bigint, participant: string, options: { reuse?: Uint8Array; hash?: boolean } = {}): Promise<FetchedUpdate | null> {
    const path = `/v1/tasks/${taskId}/rounds/${round}/updates/${participant}`;
    const hasher = options.hash === true ? createHash('sha256') : undefined;
    const { status, body, headers, buffer } = await this.get(path, options.reuse, hasher);
    if (status === 404) return null;
    if (status !== 200) throw new CoordinatorHttpError(`GET ${path} answered HTTP ${status}`, { details: { status, path } });
    const sig = headers[HEADERS.signature];
    return { ciphertext: body, signature: typeof sig === 'string' ? sig : undefined, ...(hasher ? { sha256: `0x${hasher.digest('hex')}` } : {}), ...(buffer ? { buffer } : {}) };
  }

  /** PUT /v1/blobs/:sha256 (idempotent: the coordinator reports duplicates). */
  async putBlob(bytes: Uint8Array): Promise<string> {
    const hash = sha256Hex(bytes);
    const path = `/v1/blobs/${hexOf(hash)}`;
    const response = await request(`${this.base}${path}`, {
      method: 'PUT',
      dispatcher: this.agent,
      headers: { ...(await this.authHeaders('PUT', path)), 'content-type': 'application/octet-stream' },
      body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    });
    const text = await response.body.text();
    if (response.statusCode !== 200 && response.statusCode !== 201) {
      throw new CoordinatorHttpError(`PUT ${path} answered HTTP ${response.statusCode}: ${text.slice(0, 200)}`, {
        details: { status: response.statusCode, path },
      });
    }
    this.stored.delete(hash);
    this.stored.set(hash, bytes);
    while (this.stored.size > CoordinatorClient.STORED_KEPT) this.stored.delete(this.stored.keys().next().value!);
    return hash;
  }

  /** Closes the connections; `force` aborts requests in flight instead of waiting for them (a forced stop). */
  async close(options: { force?: boolean } = {}): Promise<void> {
    if (options.force === true) await this.agent.destroy();
    else await this.agent.close();
  }
}
