import { isValidClOrdId } from '../protocol/cl-ord-id.js';
import { ValidationError } from '../util/errors.js';

/** Bot ids become the start of every clOrdId the bot sends, so they follow the clOrdId alphabet. */
export const BOT_ID_PATTERN = /^[A-Za-z0-9]{1,24}$/;
/** Width of the counter part: 36^8 intents per bot before it would wrap. */
const SEQ_WIDTH = 8;

export function assertBotId(id: string): void {
  if (!BOT_ID_PATTERN.test(id)) {
    throw new ValidationError(
      'id',
      `"${id}" is not a valid bot id`,
      "use 1 to 24 letters and digits (it prefixes the bot's clOrdIds, docs/OKX-PROTOCOL.md §8)",
    );
  }
}

/** Whether a clOrdId is one of the bot's own (its id, then the fixed-width counter). */
export function isBotClOrdId(botId: string, clOrdId: string): boolean {
  return clOrdId.length === botId.length + SEQ_WIDTH && clOrdId.startsWith(botId);
}

/**
 * The clOrdId of a bot's n-th order intent: the bot id, then the counter in base 36, zero-padded.
 * Deterministic, so an intent recorded before a crash is looked up under the same id after it
 * (docs/OKX-PROTOCOL.md §8: one clOrdId per intent). A fixed-width counter keeps ids of different bots apart.
 */
export function botClOrdId(botId: string, seq: number): string {
  assertBotId(botId);
  if (!Number.isSafeInteger(seq) || seq < 0 || seq >= 36 ** SEQ_WIDTH)
    throw new RangeError(`clOrdId counter out of range: ${seq}`);
  const id = botId + seq.toString(36).padStart(SEQ_WIDTH, '0');
  if (!isValidClOrdId(id)) throw new RangeError(`derived clOrdId is invalid: ${id}`);
  return id;
}

/**
 * A bot's order tag when its config sets none: the bot id itself when it fits OKX's 16
 * characters, else its first 10 characters and 6 of a hash of the whole id, so two long ids that
 * share a start still get different tags (docs/OKX-PROTOCOL.md §7.4). Deterministic: a restarted
 * bot keeps its tag, and its switch still covers the orders it left open.
 */
export function botOrderTag(botId: string): string {
  assertBotId(botId);
  if (botId.length <= 16) return botId;
  // FNV-1a, 32 bits: enough to tell a handful of ids on one key apart.
  let h = 0x811c9dc5;
  for (let i = 0; i < botId.length; i++) h = Math.imul(h ^ botId.charCodeAt(i), 0x01000193) >>> 0;
  return botId.slice(0, 10) + h.toString(36).padStart(7, '0').slice(-6);
}

/** The tag a bot's orders carry: its config's `tag`, else one derived from its id (botOrderTag). */
export function tagOfBot(config: { id: string; tag?: string | undefined }): string {
  return config.tag ?? botOrderTag(config.id);
}
