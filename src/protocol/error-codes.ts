/**
 * OKX V5 error codes as data (docs/OKX-PROTOCOL.md §4): one row per code with the HTTP status OKX uses, its
 * message, a class, what retrying means, and a hint for the user. Code reads this table; nothing
 * else in okxkit hard-codes what a code means.
 */
export type ErrorClass =
  | 'auth' // the request was not authenticated: key, sign, passphrase, timestamp, IP, environment
  | 'permission' // authenticated, but the key may not do this
  | 'rate-limit' // a limit of the user or IP was hit: slow down
  | 'busy' // OKX is shedding load or down: back off
  | 'ambiguous' // the outcome is unknown: a write may or may not have happened
  | 'request' // the request itself is malformed
  | 'order' // an order was refused by a trading rule
  | 'balance' // not enough funds
  | 'not-found'
  | 'websocket'
  | 'unknown';

/** What okxkit knows about one OKX error code: its HTTP status, message, class and whether retrying may help. */
export interface ErrorCodeInfo {
  code: string;
  http: number;
  message: string;
  cls: ErrorClass;
  /** A retry of the identical request may succeed (after backoff for rate-limit/busy). */
  retryable: boolean;
  /** For writes: the exchange may have acted; reconcile by clOrdId, never resend blindly. */
  ambiguous: boolean;
  hint: string;
}

type Row = [code: string, http: number, cls: ErrorClass, message: string, hint: string];

const ROWS: Row[] = [
  // Contracts and algo orders (the local exchange answers these; issue 12).
  ['51004', 200, 'order', 'Order amount exceeds current tier limit.', 'Lower the leverage or the size.'],
  ['51023', 200, 'not-found', 'Position does not exist.', 'Check instId, mgnMode and posSide.'],
  [
    '51169',
    200,
    'order',
    "Order failed because you don't have any positions in this direction for this contract to reduce or close.",
    'A reduce-only or closing order needs a position on the other side.',
  ],
  [
    '51277',
    200,
    'order',
    'TP trigger price cannot be higher than the last price.',
    'Put the TP trigger on the profit side of the price.',
  ],
  [
    '51278',
    200,
    'order',
    'SL trigger price cannot be lower than the last price.',
    'Put the SL trigger on the loss side of the price.',
  ],
  [
    '51279',
    200,
    'order',
    'TP trigger price cannot be lower than the last price.',
    'Put the TP trigger on the profit side of the price.',
  ],
  [
    '51280',
    200,
    'order',
    'SL trigger price cannot be higher than the last price.',
    'Put the SL trigger on the loss side of the price.',
  ],
  [
    '59000',
    200,
    'order',
    'Settings failed. Close any open positions or orders before modifying settings.',
    'Close positions and cancel orders first.',
  ],
  [
    '59102',
    200,
    'order',
    'Leverage exceeds the maximum leverage. Adjust the leverage.',
    'Use a lower leverage (see position tiers).',
  ],
  ['58350', 200, 'balance', 'Insufficient balance.', 'The funding account lacks the amount (and fee).'],
  ['59301', 200, 'order', 'Margin adjustment exceeds the maximum available.', 'Reduce by less.'],
  // Spot margin loans (docs/OKX-PROTOCOL.md §12).
  ['59200', 200, 'balance', 'Insufficient account balance.', 'Not enough available balance to repay.'],
  [
    '59306',
    200,
    'order',
    'Your borrowing amount exceeds the max limit',
    'Borrow at most GET /account/max-loan.',
  ],
  [
    '59309',
    200,
    'order',
    'Unable to repay an amount that exceeds the borrowed amount',
    'Repay at most what the loan still owes.',
  ],
  ['59312', 200, 'order', '{param0} does not support VIP loans', 'Borrow a lendable currency.'],
  [
    '59314',
    200,
    'not-found',
    'The current user is not allowed to return the money because the order is not borrowed',
    'Pass the ordId of a loan that is still owed.',
  ],
  [
    '59410',
    200,
    'order',
    'You can only borrow this crypto if it supports borrowing and borrowing is enabled.',
    'Enable spot borrowing, or borrow a lendable currency.',
  ],
  [
    '59411',
    200,
    'balance',
    "Manual borrowing failed. Your account's free margin is insufficient.",
    'Add margin or borrow less.',
  ],
  [
    '59412',
    200,
    'order',
    'Manual borrowing failed. The amount exceeds your borrowing limit.',
    'Borrow at most GET /account/max-loan.',
  ],
  ['59413', 200, 'order', "You didn't borrow this crypto. No repayment needed.", 'Nothing is owed.'],
  ['1', 200, 'order', 'Operation failed.', 'Every item failed: read each item sCode/sMsg.'],
  ['2', 200, 'order', 'Bulk operation partially succeeded.', 'Some items failed: read each item sCode/sMsg.'],
  [
    '50000',
    400,
    'request',
    'Body for POST request cannot be empty.',
    'Send a JSON body with the required fields.',
  ],
  [
    '50001',
    503,
    'busy',
    'Service temporarily unavailable. Please try again later.',
    'OKX is unavailable: back off and retry reads; reconcile writes by clOrdId.',
  ],
  ['50002', 400, 'request', 'JSON syntax error', 'The body is not valid JSON.'],
  [
    '50004',
    400,
    'ambiguous',
    'API endpoint request timeout. (does not mean that the request was successful or failed, please check the request result).',
    'The outcome is unknown: look the order up by clOrdId before doing anything else.',
  ],
  [
    '50005',
    410,
    'request',
    'API endpoint is inactive or unavailable.',
    'This endpoint is retired: check the OKX changelog.',
  ],
  [
    '50006',
    400,
    'request',
    'Invalid Content-Type. Please use "application/JSON".',
    'Send Content-Type: application/json.',
  ],
  [
    '50011',
    429,
    'rate-limit',
    'Too Many Requests',
    'A rate limit was hit: okxkit backs off; lower the request rate if it persists.',
  ],
  [
    '50013',
    429,
    'busy',
    'Systems are busy. Please try again later.',
    'OKX is shedding load: back off and retry reads; reconcile writes by clOrdId.',
  ],
  ['50014', 400, 'request', 'Parameter {param0} can not be empty.', 'Add the missing parameter.'],
  [
    '50015',
    400,
    'request',
    'Either parameter {param0} or {param1} is required',
    'Add one of the two parameters.',
  ],
  [
    '50016',
    400,
    'request',
    'Parameter {param0} does not match parameter {param1}',
    'Make the two parameters agree.',
  ],
  [
    '50024',
    200,
    'request',
    'Parameter {param0} and {param1} can not exist at the same time.',
    'Send only one of the two parameters.',
  ],
  ['50025', 200, 'request', 'Parameter {param0} count exceeds the limit {param1}.', 'Send fewer items.'],
  [
    '50026',
    500,
    'ambiguous',
    'System error. Try again later',
    'OKX failed internally: retry reads; reconcile writes by clOrdId.',
  ],
  [
    '50030',
    200,
    'permission',
    "You don't have permission to use this API endpoint",
    'The key lacks the permission this endpoint needs: check it with `okxkit doctor`.',
  ],
  [
    '50035',
    403,
    'permission',
    'This endpoint requires that APIKey must be bound to IP',
    'Bind the key to your server IP on OKX.',
  ],
  [
    '50036',
    200,
    'order',
    "The expTime can't be earlier than the current system time. Please adjust the expTime and try again.",
    'Your clock is behind or expTime too short: run `okxkit doctor` to check the clock.',
  ],
  ['50037', 200, 'order', 'Order expired.', 'The request arrived after its expTime and was not executed.'],
  [
    '50038',
    200,
    'request',
    'This feature is unavailable in demo trading',
    'Use a live key for this endpoint.',
  ],
  ['50040', 200, 'rate-limit', 'Too frequent operations, please try again later', 'Slow down and retry.'],
  ['50042', 200, 'request', 'Repeated request', 'This request was already received.'],
  [
    '50061',
    200,
    'rate-limit',
    "You've reached the maximum order rate limit for this account.",
    'The sub-account order limit (1000 per 2 s) was hit: slow down.',
  ],
  ['50071', 200, 'order', '{param} already exists', 'Use a new identifier.'],
  [
    '50100',
    400,
    'auth',
    'API frozen, please contact customer service.',
    'The key is frozen: contact OKX support or create a new key.',
  ],
  [
    '50101',
    401,
    'auth',
    'APIKey does not match current environment.',
    'A demo key on live or a live key on demo: set demo mode (OKX_DEMO=1 / --demo) to match the key.',
  ],
  [
    '50102',
    401,
    'auth',
    'Timestamp request expired',
    'Your clock differs from OKX: sync with NTP; okxkit re-measures the offset and retries once.',
  ],
  ['50103', 401, 'auth', 'Request header "OK-ACCESS-KEY" cannot be empty.', 'Set OKX_API_KEY.'],
  ['50104', 401, 'auth', 'Request header "OK-ACCESS-PASSPHRASE" cannot be empty.', 'Set OKX_PASSPHRASE.'],
  [
    '50105',
    401,
    'auth',
    'Request header "OK-ACCESS-PASSPHRASE" incorrect.',
    'The passphrase is wrong: it is the one chosen when the key was created, byte for byte (case and spaces count).',
  ],
  ['50106', 401, 'auth', 'Request header "OK-ACCESS-SIGN" cannot be empty.', 'The request was not signed.'],
  [
    '50107',
    401,
    'auth',
    'Request header "OK-ACCESS-TIMESTAMP" cannot be empty.',
    'Send OK-ACCESS-TIMESTAMP.',
  ],
  ['50108', 401, 'auth', 'Exchange ID does not exist.', 'Check the host.'],
  [
    '50109',
    401,
    'auth',
    'Exchange domain does not exist.',
    'Check the host: global, EEA (eea.okx.com) and US (us.okx.com) keys only work on their own host.',
  ],
  [
    '50110',
    401,
    'auth',
    "Your IP {param0} is not included in your API key's IP whitelist.",
    "Add this IP to the key's whitelist on OKX, or run from a whitelisted server.",
  ],
  [
    '50111',
    401,
    'auth',
    'Invalid OK-ACCESS-KEY.',
    'The API key is unknown here: check OKX_API_KEY and the regional host (global / EEA / US).',
  ],
  [
    '50112',
    401,
    'auth',
    'Invalid OK-ACCESS-TIMESTAMP.',
    'The timestamp must be ISO-8601 with milliseconds, e.g. 2020-12-08T09:08:57.715Z (not unix ms).',
  ],
  [
    '50113',
    401,
    'auth',
    'Invalid signature.',
    'The signature did not verify: usually the secret key is wrong or swapped with the passphrase; also check the signed path includes the query string.',
  ],
  [
    '50114',
    401,
    'permission',
    'Invalid authorization.',
    'The key lacks the permission this endpoint needs: check it with `okxkit doctor`.',
  ],
  ['50115', 405, 'request', 'Invalid request method.', 'Use the HTTP method the endpoint documents.'],
  ['50119', 200, 'auth', "API key doesn't exist", 'The key was deleted or never existed: create a new key.'],
  [
    '50120',
    200,
    'permission',
    "This API key doesn't have permission to use this function",
    'The key lacks the permission this endpoint needs: check it with `okxkit doctor`.',
  ],
  [
    '50121',
    200,
    'auth',
    "You can't access our services through the IP address ({param0})",
    'This IP is barred by OKX.',
  ],
  ['51000', 400, 'request', 'Parameter {param0} error', 'A parameter has a wrong value or format.'],
  [
    '51001',
    200,
    'request',
    "Instrument ID or Spread ID doesn't exist.",
    'Check instId against GET /api/v5/public/instruments.',
  ],
  ['51003', 200, 'request', 'Either client order ID or order ID is required.', 'Pass ordId or clOrdId.'],
  [
    '51006',
    200,
    'order',
    'Order price is not within the price limit',
    'The price is outside the exchange price band.',
  ],
  [
    '51008',
    200,
    'balance',
    'Order failed. Insufficient balance in account',
    'Not enough available balance for this order.',
  ],
  [
    '51010',
    200,
    'order',
    'Request unsupported under current account mode',
    'Change the account mode or the trade mode.',
  ],
  [
    '51016',
    200,
    'order',
    'Client order ID already exists.',
    'An order with this clOrdId is still pending: it was already placed.',
  ],
  [
    '51020',
    200,
    'order',
    'Your order should meet or exceed the minimum order amount.',
    'Raise the size to at least minSz.',
  ],
  [
    '51054',
    500,
    'ambiguous',
    'Request timed out. Please try again.',
    'The outcome is unknown: look the order up by clOrdId before doing anything else.',
  ],
  [
    '51071',
    200,
    'order',
    "You've reached the maximum limit for tag level cancel all after timers.",
    'At most 20 tag-level cancel-all-after timers may be live.',
  ],
  [
    '51111',
    200,
    'request',
    'Maximum {param0} orders can be placed in bulk.',
    'Send at most 20 orders per batch.',
  ],
  ['51121', 200, 'order', 'Order quantity must be a multiple of the lot size.', 'Round the size to lotSz.'],
  ['51127', 200, 'balance', 'Available balance is 0.', 'Fund the trading account.'],
  ['51131', 200, 'balance', 'Insufficient balance.', 'Not enough available balance.'],
  [
    '51149',
    500,
    'ambiguous',
    'Order timed out. Please try again.',
    'The outcome is unknown: look the order up by clOrdId before doing anything else.',
  ],
  [
    '51400',
    200,
    'order',
    'Order cancellation failed as the order has been filled, canceled or does not exist.',
    'The order is no longer pending.',
  ],
  [
    '51410',
    200,
    'order',
    'Cancellation failed as the order is already in canceling status or pending settlement.',
    'The order is already being canceled.',
  ],
  [
    '51501',
    400,
    'request',
    'Maximum {param0} orders can be modified.',
    'Send at most 20 amendments per batch.',
  ],
  [
    '51503',
    200,
    'order',
    'Your order has already been filled or canceled.',
    'The order is no longer pending.',
  ],
  [
    '51513',
    200,
    'order',
    'Number of modification requests that are currently in progress for an order cannot exceed 3 times.',
    'Wait for pending amendments to finish.',
  ],
  ['51603', 200, 'not-found', 'Order does not exist.', 'No order with this ordId/clOrdId.'],
  ['52000', 200, 'not-found', 'No market data found.', 'No data for this instrument or range.'],
  // WebSocket (docs/OKX-PROTOCOL.md §4.5)
  ['60001', 0, 'auth', '"OK_ACCESS_KEY" can not be empty', 'Set the API key.'],
  ['60002', 0, 'auth', '"OK_ACCESS_SIGN" can not be empty', 'The login was not signed.'],
  ['60003', 0, 'auth', '"OK_ACCESS_PASSPHRASE" can not be empty', 'Set the passphrase.'],
  ['60004', 0, 'auth', 'Invalid timestamp', 'The WS login timestamp is Unix SECONDS, e.g. 1538054050.'],
  ['60005', 0, 'auth', 'Invalid apiKey', 'The API key is unknown here: check it and the regional host.'],
  [
    '60006',
    0,
    'auth',
    'Timestamp request expired',
    'The WS login timestamp must be Unix seconds within 30 s of server time (not milliseconds); sync your clock.',
  ],
  ['60007', 0, 'auth', 'Invalid sign', 'The login signature did not verify: check the secret key.'],
  [
    '60008',
    0,
    'websocket',
    'The current WebSocket endpoint does not support subscribing to {0} channels. Please check the WebSocket URL',
    'Use the endpoint the channel lives on.',
  ],
  ['60009', 0, 'auth', 'Login failed.', 'Check the key, secret and passphrase.'],
  ['60011', 0, 'auth', 'Please log in', 'Log in before subscribing to private channels.'],
  ['60012', 0, 'request', 'Invalid request', 'The message is not a valid op.'],
  ['60013', 0, 'request', 'Invalid args', 'The op arguments are invalid.'],
  ['60014', 0, 'rate-limit', 'Requests too frequent', 'Slow down.'],
  [
    '60018',
    0,
    'websocket',
    "Wrong URL or channel doesn't exist. Please use the correct URL, channel and parameters referring to API document.",
    'Check the channel name, instId and endpoint (candles live on /business).',
  ],
  ['60019', 0, 'request', 'Invalid op', 'Unknown op.'],
  ['60023', 0, 'rate-limit', 'Bulk login requests too frequent', 'Slow down logins.'],
  ['60024', 0, 'auth', 'Wrong passphrase', 'The passphrase is wrong: byte for byte as created.'],
  [
    '60026',
    0,
    'auth',
    'Batch login by APIKey and token simultaneously is not supported.',
    'Log in with one method.',
  ],
  ['60027', 0, 'request', 'Parameter {0} can not be empty.', 'Add the missing parameter.'],
  [
    '60028',
    0,
    'websocket',
    'The current operation is not supported by this URL. Please use the correct WebSocket URL for the operation.',
    'Use the endpoint the operation lives on.',
  ],
  [
    '60029',
    0,
    'permission',
    'Only users who are VIP5 and above in trading fee tier are allowed to subscribe to books-l2-tbt channels',
    'Use books instead.',
  ],
  [
    '60030',
    0,
    'permission',
    'Only users who are VIP4 and above in trading fee tier are allowed to subscribe to books50-l2-tbt channels',
    'Use books instead.',
  ],
  [
    '60031',
    0,
    'auth',
    'The WebSocket endpoint does not allow multiple or repeated logins.',
    'Log in once per connection.',
  ],
  ['60032', 0, 'auth', "API key doesn't exist.", 'The key was deleted or never existed.'],
  [
    '63999',
    0,
    'busy',
    'Login failed due to internal error. Please try again later.',
    'Retry the login later.',
  ],
  [
    '64000',
    0,
    'request',
    'Subscription parameter uly is unavailable anymore, please replace uly with instFamily.',
    'Use instFamily.',
  ],
  [
    '64001',
    0,
    'websocket',
    "This channel has been migrated to the '/business' URL. Please subscribe using the new URL.",
    'Subscribe on /ws/v5/business.',
  ],
  [
    '64002',
    0,
    'websocket',
    'This channel is not supported by business URL.',
    'Subscribe on /public or /private.',
  ],
  [
    '64003',
    0,
    'permission',
    'Your trading fee tier does not meet the requirement to access this channel',
    'Use a channel open to your tier.',
  ],
  [
    '64004',
    0,
    'websocket',
    'You can not subscribe to this channel and books-l2-tbt together.',
    'Subscribe to one book channel per instrument.',
  ],
  ['64007', 0, 'busy', 'Internal server error, please try again later.', 'Reconnect later.'],
  [
    '64008',
    0,
    'busy',
    'The connection will soon be closed for a service upgrade. Please reconnect.',
    'okxkit reconnects by itself.',
  ],
];

const AMBIGUOUS = new Set(['50001', '50004', '50013', '50026', '51054', '51149']);
const RETRYABLE_CLASSES = new Set<ErrorClass>(['rate-limit', 'busy', 'ambiguous']);

export const ERROR_CODES: ReadonlyMap<string, ErrorCodeInfo> = new Map(
  ROWS.map(([code, http, cls, message, hint]) => [
    code,
    { code, http, cls, message, hint, retryable: RETRYABLE_CLASSES.has(cls), ambiguous: AMBIGUOUS.has(code) },
  ]),
);

/** The known facts about an OKX error code; an unknown code gets a generic, non-retryable entry rather than an exception. */
export function errorInfo(code: string): ErrorCodeInfo {
  return (
    ERROR_CODES.get(code) ?? {
      code,
      http: 200,
      message: 'Unknown OKX error code',
      cls: 'unknown',
      retryable: false,
      ambiguous: false,
      hint: 'See https://www.okx.com/docs-v5/en/#error-code for this code.',
    }
  );
}

/** The message with its {param} placeholders filled in order. */
export function errorMessage(code: string, ...params: string[]): string {
  let i = 0;
  return errorInfo(code).message.replace(/\{[a-z]*\d*\}/gi, (m) => params[i++] ?? m);
}
