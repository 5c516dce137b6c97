export type { UpdateDigest } from './updateDigest.js';
export {
  SEALED_UPDATE_TYPES,
  hashUpdateDigest,
  recoverUpdateSigner,
  signUpdateDigest,
  updateTypedData,
} from './updateDigest.js';
export { recoverMessageSigner, recoverSigner } from './recoverSigner.js';
export { signDigest, signPersonalMessage } from './signDigest.js';
