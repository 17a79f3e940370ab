import { homedir } from 'node:os';
import { join } from 'node:path';

type Env = Record<string, string | undefined>;

/** okxkit's per-user directory: vault, audit log, watch state. */
export function okxkitHome(env: Env = process.env): string {
  return env.OKXKIT_HOME || join(env.HOME || homedir(), '.okxkit');
}

/** The vault file: --vault, then OKXKIT_VAULT, then ~/.okxkit/vault.json. */
export function defaultVaultPath(env: Env = process.env): string {
  return env.OKXKIT_VAULT || join(okxkitHome(env), 'vault.json');
}

/** The audit log: --audit-log, then OKXKIT_AUDIT_LOG, then ~/.okxkit/audit.jsonl. */
export function defaultAuditLogPath(env: Env = process.env): string {
  return env.OKXKIT_AUDIT_LOG || join(okxkitHome(env), 'audit.jsonl');
}
