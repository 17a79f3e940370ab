// kill -9 restarts: bot processes (spot grid, DCA, trailing and a perpetual-swap grid in turn) run
// against one local exchange with the dead-man's switch on and are killed with SIGKILL at random
// moments, then started again on the same state and journal. After each restart (once the bot
// says it is running) the exchange is checked against that bot's records: no clOrdId twice, no
// open order of its instrument that neither its state nor its journal knows (orphan), and no
// journal row older than the restart still pending/unknown (the start-up must settle it).
// Afterwards every bot is started once more and stopped cleanly, and the exchange is compared
// with the bots' state and journals as a whole: no duplicate, no orphan, no order a bot counts as
// open that the exchange lacks (lost), no stale journal row, no process that died on its own.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startSimulator } from '../src/sim/simulator.js';
import { OkxClient } from '../src/client/okx-client.js';
import { seededRandom } from '../src/util/random.js';
import { inc, newReport, type SectionReport } from './report.js';

interface BotSpec {
  kind: 'grid' | 'dca' | 'trailing';
  /** Shown in the counts (e.g. `swap grid`). */
  label: string;
  config: Record<string, unknown>;
}

function startBot(
  sim: { restUrl: string },
  key: { apiKey: string; secretKey: string; passphrase: string },
  spec: BotSpec,
  dir: string,
): { child: ChildProcess; ready: Promise<void>; exited: Promise<number | null>; out: () => string } {
  const id = String(spec.config.id);
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(import.meta.dirname, 'bot-child.ts'),
      sim.restUrl,
      spec.kind,
      JSON.stringify(spec.config),
      join(dir, `${id}.state.db`),
      join(dir, `${id}.journal.db`),
    ],
    {
      env: {
        ...process.env,
        CHAOS_KEY: key.apiKey,
        CHAOS_SECRET: key.secretKey,
        CHAOS_PASSPHRASE: key.passphrase,
        OKXKIT_LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const ready = new Promise<void>((resolve, reject) => {
    const check = () => {
      if (out.includes('READY')) {
        child.stdout.off('data', check);
        resolve();
      }
    };
    child.stdout.on('data', check);
    void exited.then(() => reject(new Error(`bot ${id} exited before it was ready: ${out.slice(-2000)}`)));
  });
  ready.catch(() => undefined);
  return { child, ready, exited, out: () => out };
}

export async function restarts(kills: number, seed = 1806): Promise<SectionReport> {
  const report = newReport('restarts (kill -9)');
  const t0 = Date.now();
  const rnd = seededRandom(seed);
  const dir = mkdtempSync(join(tmpdir(), 'okxkit-chaos-bots-'));
  const sim = await startSimulator({ seed, tickMs: 50 });
  const key = sim.key('trade');
  const client = new OkxClient({ baseUrl: sim.restUrl, credentials: sim.credentials('trade') });
  try {
    const tk = await client.market.ticker('BTC-USDT');
    const last = Number(tk.last);
    const step = Math.round(last * 0.002);
    const swapLast = Number((await client.market.ticker('BTC-USDT-SWAP')).last);
    const swapStep = Math.round(swapLast * 0.002);
    const bots: BotSpec[] = [
      {
        kind: 'grid',
        label: 'grid',
        config: {
          id: 'chaosgrid',
          instId: 'BTC-USDT',
          lower: String(Math.round(last - 5 * step)),
          upper: String(Math.round(last + 5 * step)),
          levels: 11,
          sizePerLevel: '0.0005',
          deadManSec: 10,
        },
      },
      {
        kind: 'dca',
        label: 'dca',
        config: {
          id: 'chaosdca',
          instId: 'ETH-USDT',
          quoteAmount: '20',
          intervalSec: 2,
          orderType: 'limit',
          safetyOrders: { count: 3, dropPct: '1' },
          takeProfitPct: '1',
          deadManSec: 10,
        },
      },
      {
        kind: 'trailing',
        label: 'trailing',
        config: { id: 'chaostrail', instId: 'SOL-USDT', size: '0.5', trailPct: '5', deadManSec: 10 },
      },
      {
        kind: 'grid',
        label: 'swap grid',
        config: {
          id: 'chaosswap',
          instId: 'BTC-USDT-SWAP',
          direction: 'neutral',
          tdMode: 'cross',
          lower: String(Math.round(swapLast - 5 * swapStep)),
          upper: String(Math.round(swapLast + 5 * swapStep)),
          levels: 11,
          sizePerLevel: '1',
          deadManSec: 10,
        },
      },
    ];
    const exchangeOrders = async () => {
      const open = [];
      const all = [];
      for (const instType of ['SPOT', 'SWAP'] as const) {
        const o = await client.trade.ordersPending({ instType });
        open.push(...o);
        all.push(...o);
        for (let after: string | undefined; ;) {
          const page = await client.trade.ordersHistory({
            instType,
            limit: 100,
            ...(after ? { after } : {}),
          });
          all.push(...page);
          if (page.length < 100) break;
          after = page[page.length - 1]!.ordId;
        }
      }
      // By clOrdId, the distinct exchange order ids: an order that fills between the two reads
      // shows in both the pending and the history answer, and is still one order.
      const ids = new Map<string, Set<string>>();
      for (const o of all) if (o.clOrdId) ids.set(o.clOrdId, (ids.get(o.clOrdId) ?? new Set()).add(o.ordId));
      const byCl = new Map([...ids].map(([cl, set]) => [cl, set.size] as const));
      const unique = [...new Map(all.map((o) => [o.ordId, o])).values()];
      return { open, all: unique, byCl };
    };
    const records = (id: string) => {
      const known = new Set<string>();
      const state = new Database(join(dir, `${id}.state.db`), { readonly: true });
      const journal = new Database(join(dir, `${id}.journal.db`), { readonly: true });
      try {
        const live = state.prepare('SELECT cl_ord_id AS cl, status FROM bot_orders').all() as Array<{
          cl: string;
          status: string;
        }>;
        const rows = journal
          .prepare('SELECT cl_ord_id AS cl, status, created_ms AS created FROM orders')
          .all() as Array<{ cl: string; status: string; created: number }>;
        for (const r of live) known.add(r.cl);
        for (const r of rows) known.add(r.cl);
        return { known, live, rows };
      } finally {
        state.close();
        journal.close();
      }
    };
    const seenDup = new Set<string>();
    const checkAfterRestart = async (spec: BotSpec, startedAt: number, i: number) => {
      const id = String(spec.config.id);
      // The exchange first, then the records: every order the bot sends is journaled before it
      // is sent, so an order seen on the exchange is already in the journal read after it.
      const ex = await exchangeOrders();
      const rec = records(id);
      for (const [cl, n] of ex.byCl)
        if (n > 1 && !seenDup.has(cl)) {
          seenDup.add(cl);
          inc(report, 'duplicates seen after a restart');
          report.violations.push(`duplicate after restart ${i + 1} (${id}): ${cl} placed ${n} times`);
        }
      for (const o of ex.open)
        if (o.instId === spec.config.instId && !rec.known.has(o.clOrdId)) {
          inc(report, 'orphans seen after a restart');
          report.violations.push(
            `orphan after restart ${i + 1} (${id}): open order ${o.clOrdId} (${o.side} ${o.px}) the bot does not know`,
          );
        }
      for (const r of rec.rows)
        if ((r.status === 'pending' || r.status === 'unknown') && r.created < startedAt) {
          inc(report, 'unsettled rows after a restart');
          report.violations.push(`restart ${i + 1} (${id}) left ${r.cl} ${r.status} from before the restart`);
        }
      inc(report, 'checks after a restart');
    };
    // The bots run side by side on one account, as they would in production; each has its own
    // kill loop (kills spread evenly across them, bot by bot) and its own random kill moments.
    const everyBot: BotSpec[] = [...bots];
    const latest = new Map<BotSpec, BotSpec>();
    // At most two bot processes alive at a time: the section runs beside the others on two
    // cores, and a starved process would only measure the machine.
    let slots = 2;
    const waiting: Array<() => void> = [];
    const acquire = async () => {
      if (slots > 0) slots--;
      else await new Promise<void>((r) => waiting.push(r));
    };
    const release = () => {
      const next = waiting.shift();
      if (next) next();
      else slots++;
    };
    const loop = async (base: BotSpec, n: number, b: number) => {
      let spec = base;
      const rndBot = seededRandom(seed + b + Math.floor(rnd() * 1e6));
      let gen = 0;
      let first = true;
      // One start, a check if it is a restart, a kill -9; 'again' when the bot finished by itself.
      const cycle = async (i: number): Promise<'killed' | 'again' | 'crashed'> => {
        const bot = startBot(sim, key, spec, dir);
        const startedAt = Date.now();
        try {
          await bot.ready;
        } catch (err) {
          report.violations.push(`crash: ${(err as Error).message}`);
          inc(report, 'crashes');
          return 'crashed';
        }
        // Restarted (from the second start on): what the last kill left must be settled now,
        // with nothing placed twice and nothing open that the bot does not know.
        if (!first) await checkAfterRestart(spec, startedAt, i);
        first = false;
        // Killed anywhere from right after start-up to a couple of seconds in.
        await new Promise((r) => setTimeout(r, Math.round(rndBot() * 2_000)));
        bot.child.kill('SIGKILL');
        const code = await bot.exited;
        if (code === 0 && bot.out().includes('STOPPED') && gen < 20) {
          // Its strategy finished (a trailing stop that sold) before the kill: not a crash. A new
          // bot of the same kind takes its place under a new id, and this kill is done again.
          inc(report, 'bots that finished by themselves (replaced by a new one)');
          gen++;
          spec = { ...spec, config: { ...spec.config, id: `${String(base.config.id)}${gen}` } };
          everyBot.push(spec);
          first = true;
          return 'again';
        }
        if (code !== null) {
          report.violations.push(
            `crash: ${spec.config.id} exited by itself (${code}): ${bot.out().slice(-1000)}`,
          );
          inc(report, 'crashes');
          return 'crashed';
        }
        inc(report, 'kill -9 restarts');
        inc(report, `kill -9 of ${spec.label}`);
        return 'killed';
      };
      for (let k = 0; k < n; k++) {
        await acquire();
        try {
          if ((await cycle(k * bots.length + b)) === 'again') k--;
        } finally {
          release();
        }
      }
      latest.set(base, spec);
    };
    await Promise.all(
      bots.map((spec, b) =>
        loop(spec, Math.floor(kills / bots.length) + (b < kills % bots.length ? 1 : 0), b),
      ),
    );

    // Each bot once more, to settle what the last kill left, then a clean stop (orders stay).
    await Promise.all(
      bots.map(async (base) => {
        const spec = latest.get(base) ?? base;
        const bot = startBot(sim, key, spec, dir);
        const startedAt = Date.now();
        await bot.ready;
        await checkAfterRestart(spec, startedAt, kills);
        await new Promise((r) => setTimeout(r, 2_000));
        bot.child.kill('SIGTERM');
        const code = await bot.exited;
        if (code !== 0)
          report.violations.push(
            `${spec.config.id} did not stop cleanly (${code}): ${bot.out().slice(-1000)}`,
          );
      }),
    );

    // The exchange against the bots' own records.
    const { open, all, byCl } = await exchangeOrders();
    let duplicates = 0;
    for (const [cl, n] of byCl)
      if (n > 1) {
        duplicates += n - 1;
        report.violations.push(`duplicate: ${cl} placed ${n} times`);
      }
    const known = new Set<string>();
    let lost = 0;
    let stale = 0;
    for (const spec of everyBot) {
      const id = String(spec.config.id);
      const state = new Database(join(dir, `${id}.state.db`), { readonly: true });
      const rows = state.prepare('SELECT cl_ord_id AS cl, status FROM bot_orders').all() as Array<{
        cl: string;
        status: string;
      }>;
      for (const r of rows) {
        known.add(r.cl);
        // Filled or canceled while the bot was stopping is not lost: the next start adopts it.
        if (r.status === 'live' && !byCl.has(r.cl)) {
          lost++;
          report.violations.push(`lost: ${id} counts ${r.cl} as open; the exchange has no such order`);
        }
      }
      state.close();
      const journal = new Database(join(dir, `${id}.journal.db`), { readonly: true });
      const doubtful = journal
        .prepare("SELECT cl_ord_id AS cl, status FROM orders WHERE status IN ('pending','unknown')")
        .all() as Array<{ cl: string; status: string }>;
      for (const d of doubtful) {
        stale++;
        report.violations.push(`stale journal row: ${id} ${d.cl} ${d.status}`);
      }
      journal.close();
    }
    let orphans = 0;
    for (const o of open)
      if (!known.has(o.clOrdId)) {
        orphans++;
        report.violations.push(
          `orphan: open order ${o.clOrdId} (${o.instId} ${o.side} ${o.px}) no bot knows`,
        );
      }
    report.counts = {
      ...report.counts,
      'orders on the exchange': all.length,
      'swap orders on the exchange': all.filter((o) => o.instId.endsWith('-SWAP')).length,
      'open orders at the end': open.length,
      duplicates,
      lost,
      orphans,
      'stale journal rows': stale,
      crashes: report.counts.crashes ?? 0,
    };
  } finally {
    await client.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
  report.seconds = (Date.now() - t0) / 1000;
  return report;
}
