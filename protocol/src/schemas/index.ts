export * from './constants.js';
export * from './primitives.js';
export * from './messages.js';
export { check, validate } from './validate.js';
