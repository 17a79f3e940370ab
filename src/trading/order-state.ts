import { Decimal } from '../util/decimal.js';
import type { Order, OrderState } from './exchange-port.js';

/**
 * The order life cycle as an explicit state machine. An order is born `live`, may become
 * `partially_filled`, and ends in one final state (`filled`, `canceled`, `mmp_canceled`) that never
 * changes. Views of an order arrive from several sources (the private `orders` channel, REST
 * reads answered late), so every view offered is judged against the newest one kept.
 *
 * The judgement runs in a fixed order, and each rule is the only one that decides its case:
 * 1. the kept view is final -> `final` (a final state never changes);
 * 2. the transition is not in {@link ORDER_TRANSITIONS} -> `backwards`;
 * 3. the filled size shrank -> `less-filled` (accFillSz only grows);
 * 4. uTime went back -> `older` (the exchange's update time never goes back);
 * then the view is news when it advanced the state, filled more, has a newer uTime, or (same
 * state, size and uTime) another price or size: an amend within one millisecond. Otherwise it
 * is a `repeat`.
 */

/** The transitions the exchange makes; a view implying any other one is stale. */
export const ORDER_TRANSITIONS: Readonly<Record<OrderState, readonly OrderState[]>> = {
  live: ['live', 'partially_filled', 'filled', 'canceled', 'mmp_canceled'],
  partially_filled: ['partially_filled', 'filled', 'canceled', 'mmp_canceled'],
  filled: [],
  canceled: [],
  mmp_canceled: [],
};

/** Why a view was taken or dropped. */
export type OrderVerdict =
  | { news: true; why: 'advanced' | 'filled-more' | 'newer' | 'amended' }
  | { news: false; why: 'final' | 'backwards' | 'less-filled' | 'older' | 'repeat' };

const OPEN: ReadonlySet<string> = new Set(['live', 'partially_filled']);

/**
 * Whether a state is final. A state this code does not know (OKX may add one) counts as final:
 * it cannot be live or partially filled, the two states in which an order rests on the book.
 */
export function isFinalState(state: string): boolean {
  return !OPEN.has(state);
}

/** Whether the exchange moves an order from `from` to `to` (same state included). */
export function canTransition(from: string, to: string): boolean {
  if (isFinalState(from)) return false;
  if (isFinalState(to)) return true;
  return ORDER_TRANSITIONS[from as OrderState].includes(to as OrderState);
}

function amount(v: string): Decimal {
  try {
    return new Decimal(v || '0');
  } catch {
    // an empty or malformed accFillSz means nothing filled yet: the field is "" on a fresh order
    return new Decimal(0);
  }
}

/** Judges `next`, a view of an order, against `prev`, the newest view kept of the same order. */
export function judgeOrderView(prev: Order, next: Order): OrderVerdict {
  if (isFinalState(prev.state)) return { news: false, why: 'final' };
  if (!canTransition(prev.state, next.state)) return { news: false, why: 'backwards' };
  const fp = amount(prev.accFillSz);
  const fn = amount(next.accFillSz);
  if (fn.lt(fp)) return { news: false, why: 'less-filled' };
  if (next.uTime < prev.uTime) return { news: false, why: 'older' };
  if (next.state !== prev.state) return { news: true, why: 'advanced' };
  if (fn.gt(fp)) return { news: true, why: 'filled-more' };
  if (next.uTime > prev.uTime) return { news: true, why: 'newer' };
  if (next.px !== prev.px || next.sz !== prev.sz) return { news: true, why: 'amended' };
  return { news: false, why: 'repeat' };
}

/** Whether `next` is a newer view of an order than `prev` (see {@link judgeOrderView}). */
export function isNewerOrder(next: Order, prev: Order): boolean {
  return judgeOrderView(prev, next).news;
}

/** Whether a dropped view was stale (older than what is kept), as opposed to a repeat. */
export function isStale(v: OrderVerdict): boolean {
  return !v.news && v.why !== 'repeat' && v.why !== 'final';
}
