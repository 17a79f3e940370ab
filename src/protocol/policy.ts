import { ENDPOINTS, type EndpointDef, type EndpointId, type Permission } from './endpoints.js';

/**
 * What a set of credentials may do, decided once when the credentials are resolved (vault
 * profile, environment, CLI flag) and carried by the `Credentials` object itself, so every client
 * built from them (REST, WebSocket, raw `call`) obeys it whoever constructed it. It reads each
 * endpoint's `permission` from the catalogue; an authenticated endpoint or WS op the catalogue does
 * not classify counts as `trade` (fail closed).
 */
export interface AccessPolicyInit {
  /** Refuse everything that needs the `trade` or `withdraw` permission. */
  readOnly?: boolean;
  /** Allow endpoints that need the `withdraw` permission (never under readOnly). */
  allowWithdraw?: boolean;
}

export class AccessPolicy {
  readonly readOnly: boolean;
  readonly allowWithdraw: boolean;

  constructor(init: AccessPolicyInit = {}) {
    this.readOnly = init.readOnly === true;
    this.allowWithdraw = init.allowWithdraw === true && !this.readOnly;
    Object.freeze(this);
  }

  /** A policy at least as strict as this one and `other`: restrictions only ever add up. */
  restrict(other: AccessPolicyInit | AccessPolicy | undefined): AccessPolicy {
    if (!other) return this;
    const ro = this.readOnly || other.readOnly === true;
    const wd = this.allowWithdraw && (other.allowWithdraw ?? true) !== false;
    if (ro === this.readOnly && wd === this.allowWithdraw) return this;
    return new AccessPolicy({ readOnly: ro, allowWithdraw: wd });
  }

  /** The permission a request needs that this policy refuses, or undefined when it is allowed. */
  refusal(needed: Permission | undefined, auth: boolean): Permission | undefined {
    const p: Permission | undefined = needed ?? (auth ? 'trade' : undefined);
    if (p === undefined || p === 'read') return undefined;
    if (p === 'withdraw') return this.allowWithdraw ? undefined : 'withdraw';
    return this.readOnly ? 'trade' : undefined;
  }

  /** Refusal for a catalogued endpoint. */
  refusesEndpoint(def: EndpointDef): Permission | undefined {
    return this.refusal(def.permission, def.auth);
  }

  /** Refusal for a WebSocket op (order ops map to their REST endpoint's permission). */
  refusesWsOp(op: string): Permission | undefined {
    if (WS_SESSION_OPS.has(op)) return undefined;
    const id = WS_OP_ENDPOINT[op];
    return this.refusal(id === undefined ? undefined : ENDPOINTS[id].permission, true);
  }

  toJSON(): AccessPolicyInit {
    return { readOnly: this.readOnly, allowWithdraw: this.allowWithdraw };
  }
}

/** Ops that only manage the session; they read nothing and change nothing on the account. */
const WS_SESSION_OPS = new Set(['login', 'subscribe', 'unsubscribe']);

/** WS order ops and the REST endpoint with the same effect (docs/OKX-PROTOCOL.md §2.6). */
export const WS_OP_ENDPOINT: Readonly<Record<string, EndpointId>> = Object.freeze({
  order: 'trade.order',
  'batch-orders': 'trade.batchOrders',
  'cancel-order': 'trade.cancelOrder',
  'batch-cancel-orders': 'trade.cancelBatchOrders',
  'amend-order': 'trade.amendOrder',
  'batch-amend-orders': 'trade.amendBatchOrders',
});

/** Full access (trade, no withdrawals): the default when nothing restricts the credentials. */
export const DEFAULT_POLICY = new AccessPolicy();
