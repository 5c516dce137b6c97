// DEVELOPMENT ONLY. An emulation of the ROFL app daemon's REST API on a unix socket, for machines without a TEE.
// Keys are derived from a local secret (anyone holding the secret holds every key), and sign-submit signs with a
// local secp256k1 key that the local chain's mock subcall must be told to treat as an authorized instance
// (`authorizeRoflOrigin(provider, appId, address)` of `@cloister/contracts/development`). Production code never imports this module: it only
// knows appd's socket path.
import { connectJsonRpc, roflAppIdToBytes21 } from '@cloister/contracts';
import { hkdfSync } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { encode as cborEncode } from 'cbor-x';
import Fastify, { type FastifyInstance } from 'fastify';
import { Wallet, getBytes, hexlify, isError } from 'ethers';
import pino, { type Logger } from 'pino';
import { DevelopmentAppdOptionsInvalidError } from './errors';

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const KEY_BYTES = { 'raw-256': 32, 'raw-384': 48, ed25519: 32, secp256k1: 32 } as const;

export type DevelopmentAppdOptions = {
  socketPath: string;
  /** The app id this emulation pretends to be (`rofl1…`). */
  appId: string;
  /** Local secret all keys derive from (≥ 16 bytes). */
  secret: Uint8Array;
  /** JSON-RPC URL of the (local) chain sign-submit sends to. */
  rpcUrl: string;
  /** Transaction key; defaults to one derived from the secret. Must be funded and authorized on the local chain. */
  privateKey?: string;
  logger?: Logger;
};

export type DevelopmentAppd = { socketPath: string; appId: string; signerAddress: string; close(): Promise<void> };

/** `rofl1…` (or bytes21 hex) → bytes21 hex; an invalid id is an options error. */
function appIdToBytes21(appId: string): string {
  try {
    return roflAppIdToBytes21(appId);
  } catch (cause) {
    throw new DevelopmentAppdOptionsInvalidError(`"${appId}" is not a valid rofl1… app id`, { cause });
  }
}

/** Deterministic key = HKDF-SHA256(ikm = secret, salt = app id bytes, info = key_id ‖ 0x00 ‖ kind ‖ 0x00 ‖ counter). */
export function deriveDevelopmentKey(secret: Uint8Array, appId: string, keyId: string, kind: keyof typeof KEY_BYTES): Uint8Array {
  const salt = getBytes(appIdToBytes21(appId));
  for (let counter = 0; ; counter += 1) {
    const info = Buffer.from(`${keyId}\u0000${kind}\u0000${counter}`, 'utf8');
    const key = new Uint8Array(hkdfSync('sha256', secret, salt, info, KEY_BYTES[kind]));
    if (kind !== 'secp256k1') return key;
    const k = BigInt(hexlify(key));
    if (k > 0n && k < SECP256K1_N) return key;
  }
}

/** Starts the development appd on `socketPath` (replacing a stale socket file). */
export async function startDevelopmentAppd(options: DevelopmentAppdOptions): Promise<DevelopmentAppd> {
  if (options.secret.length < 16) throw new DevelopmentAppdOptionsInvalidError('development appd secret must be at least 16 bytes');
  appIdToBytes21(options.appId);
  const log = options.logger ?? pino({ name: 'development-appd' });
  const provider = connectJsonRpc(options.rpcUrl, { pollingInterval: 100 });
  const wallet = new Wallet(
    options.privateKey ?? hexlify(deriveDevelopmentKey(options.secret, options.appId, 'development-appd/tx-signer', 'secp256k1')),
    provider,
  );
  let metadata: Record<string, string> = {};
  // Transactions are sent one at a time so nonces never race.
  let queue: Promise<unknown> = Promise.resolve();

  const app: FastifyInstance = Fastify({ logger: false });

  app.get('/rofl/v1/app/id', async (_req, reply) => reply.type('text/plain').send(options.appId));

  app.post<{ Body: { key_id?: unknown; kind?: unknown } }>('/rofl/v1/keys/generate', async (req, reply) => {
    const { key_id: keyId, kind } = req.body ?? {};
    if (typeof keyId !== 'string' || keyId.length === 0 || typeof kind !== 'string' || !(kind in KEY_BYTES)) {
      return reply.code(400).send({ error: 'key_id (string) and kind (raw-256|raw-384|ed25519|secp256k1) are required' });
    }
    const key = deriveDevelopmentKey(options.secret, options.appId, keyId, kind as keyof typeof KEY_BYTES);
    return { key: Buffer.from(key).toString('hex') };
  });

  type SignSubmitBody = { encrypt?: boolean; tx?: { kind?: string; data?: { gas_limit?: number; to?: string; value?: string; data?: string } } };
  app.post<{ Body: SignSubmitBody }>('/rofl/v1/tx/sign-submit', async (req, reply) => {
    const tx = req.body?.tx;
    const data = tx?.data;
    if (tx?.kind !== 'eth' || data === undefined || typeof data.to !== 'string' || typeof data.data !== 'string') {
      return reply.code(400).send({ error: 'only {tx: {kind: "eth", data: {gas_limit, to, value, data}}} is supported' });
    }
    const request = {
      to: `0x${data.to.replace(/^0x/, '')}`,
      data: `0x${data.data.replace(/^0x/, '')}`,
      value: BigInt(data.value ?? '0'),
      gasLimit: BigInt(data.gas_limit ?? 2_000_000),
    };
    const run = async (): Promise<unknown> => {
      try {
        // Simulate first for the output bytes (a mined receipt does not carry them), then send.
        const output = await wallet.call(request);
        const sent = await wallet.sendTransaction(request);
        const receipt = await sent.wait();
        if (receipt === null || receipt.status !== 1) return { fail: { module: 'evm', code: 8, message: 'reverted: ' } };
        return { ok: getBytes(output) };
      } catch (error) {
        const revert = isError(error, 'CALL_EXCEPTION') && typeof error.data === 'string' ? getBytes(error.data) : null;
        if (revert !== null) {
          return { fail: { module: 'evm', code: 8, message: `reverted: ${Buffer.from(revert).toString('base64')}` } };
        }
        log.error({ err: error }, 'sign-submit: transaction could not be sent');
        return { fail: { module: 'evm', code: 2, message: (error as Error).message.slice(0, 500) } };
      }
    };
    const next = queue.then(run, run);
    queue = next;
    const result = await next;
    return { data: Buffer.from(cborEncode(result)).toString('hex') };
  });

  app.get('/rofl/v1/metadata', async () => metadata);
  app.post<{ Body: Record<string, unknown> }>('/rofl/v1/metadata', async (req, reply) => {
    const body = req.body ?? {};
    if (typeof body !== 'object' || Object.values(body).some((v) => typeof v !== 'string')) {
      return reply.code(400).send({ error: 'metadata must be an object of strings' });
    }
    metadata = body as Record<string, string>;
    return reply.code(204).send();
  });

  await rm(options.socketPath, { force: true });
  await app.listen({ path: options.socketPath });
  log.warn(
    { socketPath: options.socketPath, appId: options.appId, signer: wallet.address },
    '*** DEVELOPMENT appd: this is NOT a TEE. Keys derive from a local secret and transactions are signed with a local key. Never use it with real data. ***',
  );
  return {
    socketPath: options.socketPath,
    appId: options.appId,
    signerAddress: wallet.address,
    async close() {
      await app.close();
      provider.destroy();
      await rm(options.socketPath, { force: true });
    },
  };
}
