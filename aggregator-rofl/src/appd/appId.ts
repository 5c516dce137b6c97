// ROFL app ids: bech32 `rofl1…` in text, the 21 raw bytes (`bytes21`) in contracts. One codec, in contracts
// (`roflAppIdToBytes21` / `bytes21ToRoflAppId`); here its errors become the aggregator's configuration error, since an
// app id reaches the aggregator only through its configuration or appd.
import { bytes21ToRoflAppId, roflAppIdToBytes21 } from '@cloister/contracts';
import { ConfigInvalidError } from '../errors';

/** `rofl1…` (or a bytes21 hex string) → `0x` + 42 hex chars (bytes21). */
export function appIdToBytes21(appId: string): `0x${string}` {
  try {
    return roflAppIdToBytes21(appId) as `0x${string}`;
  } catch (cause) {
    throw new ConfigInvalidError(`"${appId}" is not a valid rofl1… app id`, { cause });
  }
}

/** bytes21 hex → `rofl1…`. */
export function bytes21ToAppId(hex: string): string {
  try {
    return bytes21ToRoflAppId(hex.startsWith('0x') ? hex : `0x${hex}`);
  } catch (cause) {
    throw new ConfigInvalidError(`app id bytes must be 21 bytes (0x + 42 hex digits), got "${hex}"`, { cause });
  }
}
