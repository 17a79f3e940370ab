export { attachWsServer, type WsServerExtraOptions } from './server.js';
export { channelOn, TRADE_OPS, type WsPath } from './channels.js';
