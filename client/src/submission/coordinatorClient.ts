// HTTP client of the coordinator API (docs/interfaces.md): auth, task/round views, blobs, update upload.
// Every response is validated against the protocol schema; failures are typed and retried with backoff.
import {
  AuthNonceResponseSchema,
  AuthVerifyResponseSchema,
  ErrorResponseSchema,
  HEADERS,
  RoundViewSchema,
  TaskViewSchema,
  UploadResponseSchema,
  check,
  validate,
  type RoundView,
  type TaskView,
  type UploadResponse,
} from '@cloister/protocol';
import type { TSchema, Static } from '@sinclair/typebox';
import type { Signer } from 'ethers';
import { CoordinatorRejectedError, CoordinatorUnavailableError } from '../errors';
import { silentLogger, type Logger } from '../logger';
import { DEFAULT_RETRY, PermanentFailure, withRetry, type RetryOptions } from './retry';

export interface CoordinatorClientOptions {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  baseUrl: string;
  /** Signs the auth message (EIP-4361) for uploads; not needed for reads. */
  signer?: Signer;
  retry?: RetryOptions;
  logger?: Logger;
}

const RETRIABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

export class CoordinatorClient {
  readonly baseUrl: string;
  private readonly signer?: Signer;
  private readonly retry: Required<RetryOptions>;
  private readonly logger: Logger;
  private token?: { value: string; expiresAt: number };

  constructor(options: CoordinatorClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.signer = options.signer;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.logger = options.logger ?? silentLogger();
  }

  /** One request with retries. `parse` turns a 2xx response into the result. */
  private async request<T>(
    method: string,
    path: string,
    init: { body?: Uint8Array | string; headers?: Record<string, string>; auth?: boolean },
    parse: (res: Response) => Promise<T>,
  ): Promise<T> {
    const url = `${this.baseUrl}${path}`;
    return withRetry(
      async () => {
        const headers: Record<string, string> = { ...init.headers };
        if (init.auth) headers.authorization = `Bearer ${await this.authToken()}`;
        let res: Response;
        try {
          res = await fetch(url, {
            method,
            headers,
            body: init.body as string | undefined, // a Uint8Array body is sent as is (undici accepts it)
            signal: AbortSignal.timeout(this.retry.timeoutMs),
          });
        } catch (error) {
          // One attempt's failure (retried; the last one becomes the cause of the final CoordinatorUnavailableError).
          throw new CoordinatorUnavailableError(`${method} ${path}: ${describeFetchError(error)}`, { details: { url }, cause: error });
        }
        if (res.ok) return parse(res);
        const body: unknown = await res.json().catch(() => null);
        if (res.status === 401 && init.auth) this.token = undefined;
        if (RETRIABLE_STATUS.has(res.status) || (res.status === 401 && init.auth)) {
          throw new CoordinatorUnavailableError(`${method} ${path}: HTTP ${res.status}${check(ErrorResponseSchema, body) ? ` ${body.code}` : ''}`, {
            details: { url, statusCode: res.status },
          });
        }
        const e = check(ErrorResponseSchema, body) ? body : undefined;
        throw new PermanentFailure(
          new CoordinatorRejectedError(
            `The coordinator refused ${method} ${path}: HTTP ${res.status} ${e ? `${e.code}: ${e.message}` : res.statusText}`,
            { statusCode: res.status, details: { statusCode: res.status, code: e?.code, url } },
          ),
        );
      },
      this.retry,
      (last, attempts) =>
        new CoordinatorUnavailableError(
          `The coordinator at ${this.baseUrl} did not answer ${method} ${path} after ${attempts} attempts (${(last as Error)?.message}). Check that it is running and the URL is right, then retry.`,
          { details: { url, attempts }, cause: last },
        ),
      (attempt, delayMs, error) =>
        this.logger.warn({ attempt, delayMs, err: (error as Error).message }, 'coordinator: request failed, retrying'),
    );
  }

  private json<S extends TSchema>(schema: S, what: string) {
    return async (res: Response): Promise<Static<S>> => {
      const body: unknown = await res.json().catch(() => undefined);
      try {
        return validate(schema, body, what);
      } catch (error) {
        throw new PermanentFailure(
          new CoordinatorRejectedError(`The coordinator's ${what} response is malformed: ${(error as Error).message}`, {
            statusCode: res.status,
            details: { statusCode: res.status },
          }),
        );
      }
    };
  }

  /** Bearer token from /v1/auth/nonce + /v1/auth/verify, cached until shortly before it expires. */
  async authToken(): Promise<string> {
    if (this.token && this.token.expiresAt - 30_000 > Date.now()) return this.token.value;
    if (!this.signer) throw new CoordinatorRejectedError('Uploading needs a signer to authenticate.', { statusCode: 401, details: { statusCode: 401 } });
    const address = await this.signer.getAddress();
    const post = (path: string, body: unknown) => ({
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
      path,
    });
    const nonce = post('/v1/auth/nonce', { address });
    const { message } = await this.request('POST', nonce.path, nonce, this.json(AuthNonceResponseSchema, 'auth nonce'));
    const signature = await this.signer.signMessage(message);
    const verify = post('/v1/auth/verify', { message, signature });
    const { token, expiresAt } = await this.request('POST', verify.path, verify, this.json(AuthVerifyResponseSchema, 'auth verify'));
    this.token = { value: token, expiresAt };
    this.logger.debug({ address, expiresAt }, 'auth: signed in to the coordinator');
    return token;
  }

  getTask(taskId: bigint): Promise<TaskView> {
    return this.request('GET', `/v1/tasks/${taskId}`, {}, this.json(TaskViewSchema, 'task'));
  }

  getRound(taskId: bigint, round: bigint): Promise<RoundView> {
    return this.request('GET', `/v1/tasks/${taskId}/rounds/${round}`, {}, this.json(RoundViewSchema, 'round'));
  }

  /** Content-addressed bytes by sha256 (0x-prefixed or bare hex). The caller checks the hash. */
  getBlob(sha256: string): Promise<Uint8Array> {
    const hex = sha256.replace(/^0x/, '').toLowerCase();
    return this.request('GET', `/v1/blobs/${hex}`, {}, async (res) => new Uint8Array(await res.arrayBuffer()));
  }

  /** PUT the sealed update (raw body) with its EIP-712 signature; idempotent for the same bytes. */
  putUpdate(taskId: bigint, round: bigint, ciphertext: Uint8Array, signature: string): Promise<UploadResponse> {
    return this.request(
      'PUT',
      `/v1/tasks/${taskId}/rounds/${round}/updates`,
      { body: ciphertext, headers: { 'content-type': 'application/octet-stream', [HEADERS.signature]: signature }, auth: true },
      this.json(UploadResponseSchema, 'upload'),
    );
  }
}

function describeFetchError(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'timed out';
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(error);
}
