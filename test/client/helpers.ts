import { Credentials } from '../../src/client/credentials.js';
import { OkxClient, type OkxClientOptions } from '../../src/client/okx-client.js';
import { ManualClock, type Sleep } from '../../src/util/clock.js';
import { KEY } from './fake-okx.js';

export const creds = () => new Credentials(KEY.apiKey, KEY.secretKey, KEY.passphrase);

/** A sleep that only moves a manual clock: waits take no real time and are recorded. */
export function manualSleep(clock: ManualClock): Sleep & { slept: number[] } {
  const slept: number[] = [];
  const fn = (async (ms: number) => {
    slept.push(ms);
    // let whatever was just granted run at the current time before time moves on
    await new Promise((r) => setImmediate(r));
    clock.advance(ms);
  }) as Sleep & { slept: number[] };
  fn.slept = slept;
  return fn;
}

export function makeClient(url: string, o: OkxClientOptions = {}): OkxClient {
  return new OkxClient({
    baseUrl: url,
    credentials: creds(),
    random: () => 0.5,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    ...o,
  });
}
