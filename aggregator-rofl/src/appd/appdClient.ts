import { decode as cborDecode } from 'cbor-x';
import { Interface, type ErrorDescription } from 'ethers';
import { Agent, request } from 'undici';
import {
  AppdBadResponseError,
  AppdHttpError,
  AppdTxFailedError,
  AppdUnavailableError,
} from '../errors';

export const DEFAULT_APPD_SOCKET = '/run/rofl-appd.sock';

export type KeyKind = 'raw-256' | 'raw-384' | 'ed25519' | 'secp256k1';

export type EthTx = { to: string; data: string; gasLimit?: number; value?: bigint };

export type AppdClientOptions = {
  socketPath?: string;
  /** Per-request timeout; sign-submit waits for inclusion, so it gets `txTimeoutMs`. */
  timeoutMs?: number;
  txTimeoutMs?: number;
  /** ABIs whose custom errors are used to name a revert (the contracts' interfaces). */
  errorInterfaces?: Interface[];
};

/** The decoded CallResult of a sign-submit. */
export type CallResult = { ok: Uint8Array } | { fail: { module: string; code: number; message: string } } | { unknown: unknown };

const strip0x = (h: string) => (h.startsWith('0x') ? h.slice(2) : h);

/**
 * Client of the ROFL app daemon (appd) REST API on its unix socket. Production code talks to appd only through this
 * class and only knows the socket path.
 */
export class AppdClient {
  readonly socketPath: string;
  private readonly agent: Agent;
  private readonly timeoutMs: number;
  private readonly txTimeoutMs: number;
  private readonly errorInterfaces: Interface[];

  constructor(options: AppdClientOptions = {}) {
    this.socketPath = options.socketPath ?? DEFAULT_APPD_SOCKET;
    this.agent = new Agent({ connect: { socketPath: this.socketPath } });
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.txTimeoutMs = options.txTimeoutMs ?? 120_000;
    this.errorInterfaces = options.errorInterfaces ?? [];
  }

  private async call(method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = this.timeoutMs): Promise<string> {
    let response;
    try {
      response = await request(`http://localhost${path}`, {
        method,
        dispatcher: this.agent,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
    } catch (cause) {
      throw new AppdUnavailableError(
        `cannot reach appd at ${this.socketPath}: run inside a ROFL container with the socket mounted, or set CLOISTER_APPD_SOCKET`,
        { cause, details: { socketPath: this.socketPath, path } },
      );
    }
    const text = await response.body.text();
    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw new AppdHttpError(`appd ${method} ${path} answered HTTP ${response.statusCode}: ${text.slice(0, 200)}`, {
        details: { statusCode: response.statusCode, path },
      });
    }
    return text;
  }

  private async callJson(method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs?: number): Promise<unknown> {
    const text = await this.call(method, path, body, timeoutMs);
    try {
      return JSON.parse(text);
    } catch (cause) {
      throw new AppdBadResponseError(`appd ${path} did not answer JSON`, { cause, details: { path } });
    }
  }

  /** `GET /rofl/v1/app/id`: the app's `rofl1…` id. */
  async appId(): Promise<string> {
    const id = (await this.call('GET', '/rofl/v1/app/id')).trim();
    if (!/^rofl1[02-9ac-hj-np-z]{20,}$/.test(id)) throw new AppdBadResponseError(`appd returned a malformed app id "${id.slice(0, 80)}"`);
    return id;
  }

  /** `POST /rofl/v1/keys/generate`: the app's key for `keyId` (same on every instance of the app). */
  async generateKey(keyId: string, kind: KeyKind): Promise<Uint8Array> {
    const body = (await this.callJson('POST', '/rofl/v1/keys/generate', { key_id: keyId, kind })) as { key?: unknown };
    if (typeof body?.key !== 'string' || !/^(0x)?[0-9a-fA-F]+$/.test(body.key)) {
      throw new AppdBadResponseError('appd keys/generate answered without a hex "key"');
    }
    return Uint8Array.from(Buffer.from(strip0x(body.key), 'hex'));
  }

  /**
   * `POST /rofl/v1/tx/sign-submit` with an eth transaction, signed by the instance's endorsed key. Returns the call's
   * output bytes; a failed call throws AppdTxFailedError with the revert decoded when one of `errorInterfaces` knows it.
   */
  async signSubmit(tx: EthTx, options: { encrypt?: boolean } = {}): Promise<Uint8Array> {
    const body = (await this.callJson(
      'POST',
      '/rofl/v1/tx/sign-submit',
      {
        encrypt: options.encrypt ?? true,
        tx: {
          kind: 'eth',
          data: {
            gas_limit: tx.gasLimit ?? 2_000_000,
            to: strip0x(tx.to).toLowerCase(),
            value: (tx.value ?? 0n).toString(),
            data: strip0x(tx.data),
          },
        },
      },
      this.txTimeoutMs,
    )) as { data?: unknown };
    if (typeof body?.data !== 'string') throw new AppdBadResponseError('appd sign-submit answered without "data"');
    const result = decodeCallResult(body.data);
    if ('ok' in result) return result.ok;
    if ('fail' in result) {
      const { module, code, message } = result.fail;
      const revert = decodeRevert(message, this.errorInterfaces);
      throw new AppdTxFailedError(
        `transaction to ${tx.to} failed: ${module} code ${code}${revert.name ? ` (${revert.name})` : ''}: ${message}`,
        { details: { module, code, message, revertData: revert.data, revertName: revert.name, revertArgs: revert.args } },
      );
    }
    throw new AppdBadResponseError('sign-submit CallResult is neither ok nor fail', { details: { result: String(result.unknown) } });
  }

  /** `GET /rofl/v1/metadata`: this replica's published key-value metadata. */
  async getMetadata(): Promise<Record<string, string>> {
    const body = await this.callJson('GET', '/rofl/v1/metadata');
    if (typeof body !== 'object' || body === null) throw new AppdBadResponseError('appd metadata is not an object');
    return body as Record<string, string>;
  }

  /** `POST /rofl/v1/metadata`: replaces the replica's metadata (published with its registration). */
  async setMetadata(metadata: Record<string, string>): Promise<void> {
    await this.call('POST', '/rofl/v1/metadata', metadata);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/** Decodes appd's hex CBOR CallResult: `{ok: bytes}`, `{fail: {module, code, message}}` or anything else as unknown. */
export function decodeCallResult(hex: string): CallResult {
  let value: unknown;
  try {
    value = cborDecode(Buffer.from(strip0x(hex), 'hex'));
  } catch (cause) {
    throw new AppdBadResponseError('sign-submit data is not CBOR', { cause });
  }
  if (value !== null && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if ('ok' in v) {
      const ok = v.ok;
      return { ok: ok instanceof Uint8Array ? Uint8Array.from(ok) : new Uint8Array() };
    }
    if ('fail' in v && v.fail !== null && typeof v.fail === 'object') {
      const f = v.fail as Record<string, unknown>;
      return { fail: { module: String(f.module ?? ''), code: Number(f.code ?? 0), message: String(f.message ?? '') } };
    }
  }
  return { unknown: value };
}

/** `reverted: <base64>` → revert bytes and, if an interface knows the selector, the custom error's name and args. */
export function decodeRevert(
  message: string,
  interfaces: Interface[],
): { data?: string; name?: string; args?: string[] } {
  const m = /^reverted: ?(.*)$/s.exec(message);
  if (m === null) return {};
  const raw = Buffer.from(m[1]!.trim(), 'base64');
  const data = `0x${raw.toString('hex')}`;
  for (const iface of interfaces) {
    let parsed: ErrorDescription | null = null;
    try {
      parsed = iface.parseError(data);
    } catch {
      parsed = null;
    }
    if (parsed !== null) return { data, name: parsed.name, args: parsed.args.map((a: unknown) => String(a)) };
  }
  if (raw.length >= 4 && data.startsWith('0x08c379a0')) {
    try {
      const [reason] = new Interface(['error Error(string)']).decodeErrorResult('Error', data);
      return { data, name: `Error(${String(reason)})` };
    } catch {
      return { data };
    }
  }
  return { data };
}
