// The EIP-4361 message the contract's SiweAuth parses: protocol's one writer (protocol/src/auth/signInMessage.ts, no
// imports, bundled as it is through the vite alias and tsconfig path `@cloister/protocol/signInMessage`), with the
// address checksummed by viem. viem's own createSiweMessage writes milliseconds, which the contract's parser refuses.
import { signInMessageAt } from '@cloister/protocol/signInMessage';
import { getAddress } from 'viem';

export function createSiweMessageText(fields: Parameters<typeof signInMessageAt>[0]): string {
  return signInMessageAt({ ...fields, address: getAddress(fields.address) });
}
