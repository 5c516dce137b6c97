import { ContractsError, RoflAppIdInvalidError } from './errors';

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

function polymod(values: number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GENERATOR[i] as number;
  }
  return chk >>> 0;
}

function hrpExpand(hrp: string): number[] {
  const out: number[] = [];
  for (const c of hrp) out.push(c.charCodeAt(0) >>> 5);
  out.push(0);
  for (const c of hrp) out.push(c.charCodeAt(0) & 31);
  return out;
}

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
  const lower = id.toLowerCase();
  if (id !== lower && id !== id.toUpperCase()) throw invalid(id, 'mixed case');
  const sep = lower.lastIndexOf('1');
  if (sep < 1 || lower.slice(0, sep) !== 'rofl') throw invalid(id, 'prefix is not "rofl"');
  const data: number[] = [];
  for (const c of lower.slice(sep + 1)) {
    const v = CHARSET.indexOf(c);
    if (v < 0) throw invalid(id, `character ${JSON.stringify(c)} is not bech32`);
    data.push(v);
  }
  if (data.length < 6) throw invalid(id, 'too short');
  if (polymod([...hrpExpand('rofl'), ...data]) !== 1) throw invalid(id, 'bad checksum');
  // 5-bit groups to bytes
  let acc = 0;
  let bits = 0;
  const bytes: number[] = [];
  for (const v of data.slice(0, -6)) {
    acc = (acc << 5) | v;
    bits += 5;
    while (bits >= 8) {
      bits -= 8;
      bytes.push((acc >>> bits) & 0xff);
    }
    acc &= (1 << bits) - 1;
  }
  if (bits >= 5 || acc !== 0) throw invalid(id, 'bad padding');
  if (bytes.length !== 21) throw invalid(id, `decodes to ${bytes.length} bytes, not 21`);
  return '0x' + Buffer.from(bytes).toString('hex');
}

/** The inverse of roflAppIdToBytes21: a bytes21 hex string to its `rofl1…` form. */
export function bytes21ToRoflAppId(bytes21: string): string {
  if (!/^0x[0-9a-fA-F]{42}$/.test(bytes21)) throw invalid(bytes21, 'not a bytes21 hex string');
  const bytes = Buffer.from(bytes21.slice(2), 'hex');
  const data: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      data.push((acc >>> bits) & 31);
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) data.push((acc << (5 - bits)) & 31);
  const mod = polymod([...hrpExpand('rofl'), ...data, 0, 0, 0, 0, 0, 0]) ^ 1;
  const checksum = [0, 1, 2, 3, 4, 5].map((i) => (mod >>> (5 * (5 - i))) & 31);
  return 'rofl1' + [...data, ...checksum].map((v) => CHARSET[v]).join('');
}
