import { createHash } from 'node:crypto';
import type { Wallet } from 'ethers';
import { signUpdateDigest } from '@cloister/protocol';

export type Http = { status: number; body: Record<string, unknown> };

export async function http(url: string, init: RequestInit = {}): Promise<Http> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = { raw: text };
  }
  return { status: res.status, body };
}

export const sha256Hex = (b: Uint8Array) => `0x${createHash('sha256').update(b).digest('hex')}`;

/** Signs in through /v1/auth/nonce + /v1/auth/verify; returns the Bearer token. */
export async function signIn(base: string, wallet: Wallet): Promise<string> {
  const nonce = await http(`${base}/v1/auth/nonce`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ address: wallet.address }),
  });
  if (nonce.status !== 200) throw new Error(`nonce: ${JSON.stringify(nonce)}`);
  const message = nonce.body.message as string;
  const verify = await http(`${base}/v1/auth/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message, signature: await wallet.signMessage(message) }),
  });
  if (verify.status !== 200) throw new Error(`verify: ${JSON.stringify(verify)}`);
  return verify.body.token as string;
}

export type UploadContext = { base: string; chainId: bigint; taskManager: string; taskId: bigint; round: bigint };

/** The participant's signature header for `bytes` (signUpdateDigest over sha256). */
export async function signBytes(ctx: UploadContext, signer: Wallet, bytes: Uint8Array): Promise<string> {
  return signUpdateDigest(signer, { chainId: ctx.chainId, contractAddress: ctx.taskManager, taskId: ctx.taskId, round: ctx.round, ciphertextHash: sha256Hex(bytes) });
}

export async function upload(
  ctx: UploadContext,
  token: string | null,
  bytes: Uint8Array,
  signature: string | null,
  extra: { round?: bigint; taskId?: bigint; headers?: Record<string, string> } = {},
): Promise<Http> {
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream', ...extra.headers };
  if (token) headers.authorization = `Bearer ${token}`;
  if (signature) headers['x-cloister-signature'] = signature;
  return http(`${ctx.base}/v1/tasks/${extra.taskId ?? ctx.taskId}/rounds/${extra.round ?? ctx.round}/updates`, { method: 'PUT', headers, body: bytes });
}
