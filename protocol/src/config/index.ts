export * from './loadConfig.js';
