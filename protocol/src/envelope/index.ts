export type {
  EnvelopeContext,
  RecipientKeyPair,
  SealUpdateOptions,
  OpenUpdateOptions,
  OpenUpdateToBytesOptions,
} from './types.js';
export { buildEnvelopeInfo, ENVELOPE_PROTOCOL_VERSION } from './buildEnvelopeInfo.js';
export { createHpkeSuite, ENVELOPE_SUITE } from './suite.js';
export type { HpkeAead } from './suite.js';
export { deriveRecipientKeyPair, generateRecipientKeyPair, importRecipientPublicKey } from './keys.js';
export { sealUpdate, sealUpdateToBytes, sealedSize } from './sealUpdate.js';
export { openUpdate, openUpdateToBytes } from './openUpdate.js';
export { ENVELOPE_LIMITS } from './format.js';
