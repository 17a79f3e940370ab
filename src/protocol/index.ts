export * from './sign.js';
export * from './cl-ord-id.js';
export * from './hosts.js';
export * from './error-codes.js';
export * from './endpoints.js';
export * from './book-checksum.js';
export * from './bars.js';
export * from './policy.js';
export * as okxApiSpecs from './api/index.js';
