export type { UpdatePayload } from './types.js';
export { encodeUpdate } from './encodeUpdate.js';
export { decodeUpdate } from './decodeUpdate.js';
export { UPDATE_FORMAT_VERSION, UPDATE_LIMITS } from './layout.js';
