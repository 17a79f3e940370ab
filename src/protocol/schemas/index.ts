export * from './common.js';
export * from './public.js';
export * from './market.js';
export * from './account.js';
export * from './asset.js';
export * from './trade.js';
