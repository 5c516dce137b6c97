import { Type } from '@sinclair/typebox';

/** 0x + 40 hex digits (any case; compare lowercase). */
export const AddressSchema = Type.String({ pattern: '^0x[0-9a-fA-F]{40}$', description: 'Ethereum address' });
/** 0x + 64 hex digits: a bytes32 / sha256Hex value. */
export const Bytes32Schema = Type.String({ pattern: '^0x[0-9a-fA-F]{64}$', description: '32 bytes, hex' });
/** An unsigned integer as a decimal string (uint256 values travel as strings). */
export const UintStringSchema = Type.String({
  pattern: '^(0|[1-9][0-9]{0,77})$',
  description: 'unsigned integer, decimal string',
});
/** A 0x-prefixed hex string of any even length (signatures). */
export const HexSchema = Type.String({ pattern: '^0x([0-9a-fA-F]{2})*$' });
