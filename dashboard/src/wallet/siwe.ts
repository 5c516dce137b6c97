// The EIP-4361 message the contract's SiweAuth parses, in the layout of @cloister/contracts' buildSiweMessage
// (that one needs ethers, too heavy for the page): times in ISO 8601 UTC to the second (the parser takes no
// milliseconds, which viem's createSiweMessage always writes).
import { getAddress } from 'viem';

export function createSiweMessageText(fields: { domain: string; address: string; statement: string; chainId: number; nonce: string; issuedAt: number; expiresAt: number }): string {
  const uri = fields.domain.includes('://') ? fields.domain : `http://${fields.domain}`;
  const iso = (s: number) => new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return [
    `${fields.domain} wants you to sign in with your Ethereum account:`,
    getAddress(fields.address),
    '',
    fields.statement,
    '',
    `URI: ${uri}`,
    'Version: 1',
    `Chain ID: ${fields.chainId}`,
    `Nonce: ${fields.nonce}`,
    `Issued At: ${iso(fields.issuedAt)}`,
    `Expiration Time: ${iso(fields.expiresAt)}`,
  ].join('\n');
}
