import { signRequest } from '../../src/protocol/sign.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/sim/simulator.js';

/** Anything with `after` (a node:test TestContext, or a suite's hook registrar). */
export interface AfterHook {
  after(fn: () => unknown): void;
}

/**
 * Starts a local exchange on 127.0.0.1 port 0 and closes it when the test ends.
 * `opts` are startSimulator's (clock, seed, config, faults, market ...).
 */
export async function withSim(t: AfterHook, opts: SimulatorOptions = {}): Promise<Simulator> {
  const sim = await startSimulator(opts);
  t.after(() => sim.close());
  return sim;
}

export interface SimFetchOptions {
  /** Body as the exact string to send (signed as is); objects are JSON.stringify'd once. */
  body?: string | unknown;
  headers?: Record<string, string>;
  /** Signing timestamp (ms); default the sim's clock. */
  timestampMs?: number;
  demo?: boolean;
}

/**
 * A hand-signed request to the sim with a key of `sim` (by label): signs the exact path+query
 * and body bytes it sends, as any OKX client must (docs/OKX-PROTOCOL.md §1.1).
 */
export async function simFetch(
  sim: Simulator,
  label: string | undefined,
  method: 'GET' | 'POST',
  pathWithQuery: string,
  opts: SimFetchOptions = {},
): Promise<{ status: number; json: any }> {
  const body =
    opts.body === undefined ? '' : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  const headers: Record<string, string> = {};
  if (method === 'POST') headers['content-type'] = 'application/json';
  if (label !== undefined) {
    const k = sim.key(label);
    const timestamp = new Date(opts.timestampMs ?? sim.clock.now()).toISOString();
    headers['OK-ACCESS-KEY'] = k.apiKey;
    headers['OK-ACCESS-PASSPHRASE'] = k.passphrase;
    headers['OK-ACCESS-TIMESTAMP'] = timestamp;
    headers['OK-ACCESS-SIGN'] = signRequest({
      timestamp,
      method,
      requestPath: pathWithQuery,
      body,
      secretKey: k.secretKey,
    });
    if (opts.demo) headers['x-simulated-trading'] = '1';
  }
  Object.assign(headers, opts.headers);
  const res = await fetch(sim.restUrl + pathWithQuery, {
    method,
    headers,
    body: method === 'POST' ? body : undefined,
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}
