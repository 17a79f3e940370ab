// A trading process for the shared kill switch test: loads the Redis kill store, says "ready",
// then says "halted <ms>" the moment its switch reads engaged (a pub/sub notice arrived).
import { openRedisKillStore } from '../../src/cluster/kill-store.js';
import { KillSwitch } from '../../src/trading/kill-switch.js';

const [url, scope] = process.argv.slice(2) as [string, string];
const store = await openRedisKillStore(url);
const ks = new KillSwitch({ scope, store });
store.onChange = () => {
  if (ks.isEngaged()) process.stdout.write(`halted ${Date.now()}\n`);
};
process.stdout.write(`ready ${ks.isEngaged() ? 'halted' : 'trading'}\n`);
process.stdin.resume();
process.stdin.on('end', () => void store.close().then(() => process.exit(0)));
