export * from './constants.js';
export * from './primitives.js';
export * from './messages.js';
export { check, validate, schemaErrors, type SchemaErrorEntry } from './validate.js';
