import { EventEmitter } from 'node:events';

/**
 * An EventEmitter whose event names and payloads are typed by a map. 'error' is never thrown
 * when nobody listens (Node's default): a bad message must never crash a 24/7 process.
 */
export class TypedEmitter<Events extends { [K in keyof Events]: (...args: never[]) => void }> {
  readonly #ee = new EventEmitter();
  constructor() {
    this.#ee.setMaxListeners(0);
  }
  on<K extends keyof Events & string>(event: K, listener: Events[K]): this {
    this.#ee.on(event, listener as unknown as (...args: unknown[]) => void);
    return this;
  }
  once<K extends keyof Events & string>(event: K, listener: Events[K]): this {
    this.#ee.once(event, listener as unknown as (...args: unknown[]) => void);
    return this;
  }
  off<K extends keyof Events & string>(event: K, listener: Events[K]): this {
    this.#ee.off(event, listener as unknown as (...args: unknown[]) => void);
    return this;
  }
  listenerCount<K extends keyof Events & string>(event: K): number {
    return this.#ee.listenerCount(event);
  }
  protected emit<K extends keyof Events & string>(event: K, ...args: Parameters<Events[K]>): boolean {
    if (this.#ee.listenerCount(event) === 0) return false;
    return this.#ee.emit(event, ...args);
  }
}
