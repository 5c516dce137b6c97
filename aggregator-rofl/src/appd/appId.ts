// ROFL app ids: bech32 `rofl1…` in text, the 21 raw bytes (`bytes21`) in contracts. Small BIP-173 codec (bech32,
// not bech32m), enough for the `rofl` human-readable part.
import { ConfigInvalidError } from '../errors';

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

function polymod(values: number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i += 1) if ((top >>> i) & 1) chk ^= GEN[i]!;
  }
  return chk;
}

function hrpExpand(hrp: string): number[] {
  const out: number[] = [];
  for (const c of hrp) out.push(c.charCodeAt(0) >>> 5);
  out.push(0);
  for (const c of hrp) out.push(c.charCodeAt(0) & 31);
  return out;
}

function convertBits(data: ArrayLike<number>, from: number, to: number, pad: boolean): number[] {
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  const maxv = (1 << to) - 1;
  for (let i = 0; i < data.length; i += 1) {
    acc = (acc << from) | data[i]!;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((acc >>> bits) & maxv);
    }
  }
  if (pad && bits > 0) out.push((acc << (to - bits)) & maxv);
  else if (!pad && (bits >= from || ((acc << (to - bits)) & maxv) !== 0)) throw new Error('invalid padding');
  return out;
}

/** `rofl1…` → `0x` + 42 hex chars (bytes21). */
export function appIdToBytes21(appId: string): `0x${string}` {
  const lower = appId.toLowerCase();
  const sep = lower.lastIndexOf('1');
  const hrp = lower.slice(0, sep);
  const data = [...lower.slice(sep + 1)].map((c) => CHARSET.indexOf(c));
  if (hrp !== 'rofl' || data.some((d) => d < 0) || data.length < 6 || polymod([...hrpExpand(hrp), ...data]) !== 1) {
    throw new ConfigInvalidError(`"${appId}" is not a valid rofl1… app id`);
  }
  const bytes = convertBits(data.slice(0, -6), 5, 8, false);
  if (bytes.length !== 21) throw new ConfigInvalidError(`app id "${appId}" is ${bytes.length} bytes, expected 21`);
  return `0x${Buffer.from(bytes).toString('hex')}`;
}

/** bytes21 hex → `rofl1…`. */
export function bytes21ToAppId(hex: string): string {
  const bytes = Buffer.from(hex.replace(/^0x/, ''), 'hex');
  if (bytes.length !== 21) throw new ConfigInvalidError(`app id bytes must be 21 bytes, got ${bytes.length}`);
  const data = convertBits(bytes, 8, 5, true);
  const mod = polymod([...hrpExpand('rofl'), ...data, 0, 0, 0, 0, 0, 0]) ^ 1;
  const checksum = Array.from({ length: 6 }, (_, i) => (mod >>> (5 * (5 - i))) & 31);
  return `rofl1${[...data, ...checksum].map((d) => CHARSET[d]).join('')}`;
}
