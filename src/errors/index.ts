// Every typed error of the library, in one import.
export * from './online-error.js';
export * from './input-errors.js';
export * from './state-errors.js';
export * from './run-errors.js';
export * from './directory-errors.js';
export * from './stop-errors.js';
export * from './stamp-errors.js';
export * from './pending-plan-errors.js';
export * from './rehearsal-copy-errors.js';
export * from './import-errors.js';
