import type { Logger } from '../util/logger.js';

export interface RequestLogEntry {
  method: string;
  /** Path with the query string as sent. */
  path: string;
  status?: number;
  /** OKX code of the response, when there was one. */
  okxCode?: string;
  latencyMs: number;
  /** First 4 characters of the API key (maskKey); absent for public calls. */
  key?: string;
  attempt: number;
  error?: string;
}

/**
 * One line per outbound request (docs/REQUIREMENTS.md R19). Carries only what is listed in RequestLogEntry: never the
 * secret, passphrase, signature or headers, and no response body (balances, order ids).
 */
export function logRequest(logger: Logger, e: RequestLogEntry): void {
  if (!logger.isLevelEnabled('info')) return;
  if (e.error !== undefined || (e.status !== undefined && e.status >= 400))
    logger.warn(e, 'okx request failed');
  else logger.info(e, 'okx request');
}
