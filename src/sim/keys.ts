import type { KeyLookup, SimKey } from './contracts.js';
import type { Ledger } from './engine/ledger.js';

/** The configured keys, looked up by apiKey (auth, WS login) and by label (tests, CLI). */
export class KeyRegistry implements KeyLookup {
  readonly #byKey = new Map<string, SimKey>();

  constructor(
    readonly keys: readonly SimKey[],
    private readonly ledger: Ledger,
  ) {
    for (const k of keys) this.#byKey.set(k.apiKey, k);
  }

  find(apiKey: string): SimKey | undefined {
    return this.#byKey.get(apiKey);
  }

  byLabel(label: string): SimKey | undefined {
    return this.keys.find((k) => k.label === label);
  }

  uid(account: string): string {
    return this.ledger.accounts.get(account)?.uid ?? '';
  }
}
