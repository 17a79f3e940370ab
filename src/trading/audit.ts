/** One audit record, the shape of the security layer's `AuditLog.append`. */
export interface TradingAuditEntry {
  action: string;
  details: Record<string, unknown>;
  why: string;
  operator?: string;
}

/**
 * Where risk actions are recorded (docs/REQUIREMENTS.md R20). The security layer's hash-chained AuditLog satisfies
 * it; trading depends only on this shape, so it never imports the security layer.
 */
export interface AuditSink {
  append(entry: TradingAuditEntry): unknown;
}
