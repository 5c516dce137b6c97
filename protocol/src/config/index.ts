export * from './loadConfig.js';
export * from './connection.js';
