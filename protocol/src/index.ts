// @cloister/protocol: the wire formats every Cloister package shares.
export * from './errors.js';
export * from './codec/index.js';
export * from './update/index.js';
export { sha256Hex, createSha256 } from './hash/sha256Hex.js';
export { canonicalJson, toJsonValue } from './hash/canonicalJson.js';
export { transientCode, isTransientFailure } from './network/transientFailure.js';
export * from './envelope/index.js';
export * from './signatures/index.js';
export * from './schemas/index.js';
export * from './privacy/index.js';
export * from './taskSpec/index.js';
export * from './validationSet/index.js';
export * from './config/index.js';
export * from './auth/signInMessage.js';
export * from './statistics/featureStatistics.js';
export * from './model/index.js';
export * from './inference/index.js';
