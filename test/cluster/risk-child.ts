// A bot process for the shared risk scope tests: a RiskManager on the Redis risk scope and the
// Redis kill switch of one account. Commands on stdin, one per line:
//   buy <sz> <px> <mark>   a fill of <sz> BTC-USDT at <px>, then the mark <mark>
//   exit                   stops (releasing nothing: a stop like a crash keeps its exposure)
// Lines out: "ready <run>", "done <halt reason or ->", and "halted <ms>" once its switch engages.
import { createInterface } from 'node:readline';
import { openRedisKillStore } from '../../src/cluster/kill-store.js';
import { openRedisRiskScope } from '../../src/cluster/risk-scope.js';
import { KillSwitch } from '../../src/trading/kill-switch.js';
import { RiskManager, type RiskLimits } from '../../src/trading/risk.js';

const [url, account, member, limitsJson, leaseMs] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const store = await openRedisKillStore(url);
const killSwitch = new KillSwitch({ scope: account, store });
const scope = await openRedisRiskScope(url, { account, member, leaseMs: Number(leaseMs) });
const risk = new RiskManager({ limits: JSON.parse(limitsJson) as RiskLimits, killSwitch, scope });
let said = false;
store.onChange = () => {
  if (!said && killSwitch.isEngaged()) {
    said = true;
    process.stdout.write(`halted ${Date.now()}\n`);
  }
};
process.stdout.write(`ready ${scope.run}\n`);
let n = 0;
for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, ...args] = line.trim().split(' ');
  if (cmd === 'exit') break;
  if (cmd === 'buy') {
    const [sz, px, mark] = args as [string, string, string];
    n++;
    await risk.onFill({
      tradeId: `c${n}`,
      ordId: `co${n}`,
      clOrdId: '',
      instId: 'BTC-USDT',
      side: 'buy',
      fillPx: px,
      fillSz: sz,
      fee: '0',
      feeCcy: 'USDT',
      execType: 'T',
      ts: Date.now(),
    });
    await risk.onMark('BTC-USDT', mark);
    process.stdout.write(`done ${risk.haltReason() ?? '-'}\n`);
  }
}
await store.close();
await scope.close();
process.exit(0);
