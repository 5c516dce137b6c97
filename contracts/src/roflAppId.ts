import { bech32 } from '@scure/base';
import { ContractsError, RoflAppIdInvalidError } from './errors';

function invalid(id: string, why: string): ContractsError {
  return new RoflAppIdInvalidError(`invalid ROFL app id ${JSON.stringify(id)}: ${why}; expected "rofl1…" (bech32) or a 0x-prefixed bytes21 hex string`, { details: { id } });
}

/**
 * Converts a ROFL app id (`rofl1…`, bech32) to the `bytes21` hex string the contracts use. A 0x-prefixed
 * 21-byte hex string is returned lower-cased as is.
 * Example: `rofl1qqn9xndja7e2pnxhttktmecvwzz0yqwxsquqyxdf` → `0x0026534db2efb2a0ccd75aecbde70c7084f201c680`.
 */
export function roflAppIdToBytes21(id: string): string {
  if (/^0x[0-9a-fA-F]{42}$/.test(id)) return id.toLowerCase();
  // @scure/base's bech32 checks the checksum, the character set, mixed case and the padding bits.
  let decoded: { prefix: string; bytes: Uint8Array };
  try {
    const { prefix, words } = bech32.decode(id as `${string}1${string}`);
    decoded = { prefix, bytes: bech32.fromWords(words) };
  } catch (error) {
    throw invalid(id, (error as Error).message);
  }
  if (decoded.prefix !== 'rofl') throw invalid(id, 'prefix is not "rofl"');
  if (decoded.bytes.length !== 21) throw invalid(id, `decodes to ${decoded.bytes.length} bytes, not 21`);
  return '0x' + Buffer.from(decoded.bytes).toString('hex');
}

/** The inverse of roflAppIdToBytes21: a bytes21 hex string to its `rofl1…` form. */
export function bytes21ToRoflAppId(bytes21: string): string {
  if (!/^0x[0-9a-fA-F]{42}$/.test(bytes21)) throw invalid(bytes21, 'not a bytes21 hex string');
  return bech32.encode('rofl', bech32.toWords(Buffer.from(bytes21.slice(2), 'hex')));
}
