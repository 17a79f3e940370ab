import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestClock } from '../../src/util/clock.js';
import { Alerts, type Alert } from '../../src/trading/alerts.js';
import { AuditLog } from '../../src/security/audit-log.js';
import { parseOpsConfig } from '../../src/ops/config.js';
import { Supervisor, type BotProcess } from '../../src/ops/supervisor.js';
import { controlRequest, controlSocketPath, serveControl } from '../../src/ops/control.js';
import type { FromChild, ToChild } from '../../src/ops/ipc.js';
import type { BotView } from '../../src/ops/supervisor.js';

/** A bot process double: records what it is sent; the test makes it start, report or die. */
class FakeChild extends EventEmitter implements BotProcess {
  static next = 1000;
  readonly pid = FakeChild.next++;
  readonly sent: ToChild[] = [];
  constructor(readonly id: string) {
    super();
  }
  send(m: ToChild): boolean {
    this.sent.push(m);
    // a clean stop: the bot answers and exits 0
    if (m.t === 'stop') queueMicrotask(() => this.emit('exit', 0, null));
    return true;
  }
  kill(): boolean {
    return true;
  }
  say(m: FromChild): void {
    this.emit('message', m);
  }
  die(signal: NodeJS.Signals | null = 'SIGKILL'): void {
    this.emit('exit', signal ? null : 1, signal);
  }
}

const CONFIG = `
restart: { initialDelayMs: 1000, maxDelayMs: 4000, maxRestarts: 3, windowSec: 600 }
bots:
  - kind: dca
    config: { id: dca1, instId: BTC-USDT, quoteAmount: "50", intervalSec: 60, takeProfitPct: "1" }
  - kind: trailing
    config: { id: trail1, instId: ETH-USDT, size: "0.01", trailPct: "3" }
`;

function setup(t: { after(fn: () => void): void }) {
  const home = mkdtempSync(join(tmpdir(), 'okxkit-sup-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const clock = new TestClock(Date.UTC(2026, 0, 1));
  const sent: Alert[] = [];
  const alerts = new Alerts({ clock, sinks: [{ name: 'test', send: (a) => void sent.push(a) }] });
  const children: FakeChild[] = [];
  const auditPath = join(home, 'audit.jsonl');
  const sup = new Supervisor({
    config: parseOpsConfig(CONFIG),
    venue: {
      baseUrl: 'http://127.0.0.1:1',
      demo: false,
      key: { apiKey: 'k', secretKey: 's', passphrase: 'p' },
      killScope: 'test-scope',
    },
    home,
    auditLog: new AuditLog(auditPath),
    auditPath,
    alerts,
    clock,
    log: () => undefined,
    spawn: (spec) => {
      const c = new FakeChild(spec.id);
      children.push(c);
      return c;
    },
  });
  const latest = (id: string) => children.filter((c) => c.id === id).at(-1)!;
  return { home, clock, sent, sup, children, latest, auditPath };
}

describe('Supervisor', () => {
  test('each bot gets its own process, state file and journal; the key arrives over IPC', (t) => {
    const { sup, children, home } = setup(t);
    sup.startAll();
    assert.equal(children.length, 2);
    const inits = children.map((c) => c.sent[0]);
    assert.ok(inits.every((m) => m?.t === 'init'));
    const paths = inits.map((m) => (m?.t === 'init' ? [m.statePath, m.journalPath] : [])).flat();
    assert.equal(new Set(paths).size, 4, 'no two bots share a state or journal file');
    assert.ok(paths.every((p) => p.startsWith(join(home, 'bots'))));
    children[0]!.say({ t: 'started' });
    assert.equal(sup.status('dca1').state, 'running');
    assert.equal(sup.status('trail1').state, 'starting');
  });

  test('a crash (kill -9) is restarted with exponential backoff on the clock, with a bot-crash alert each time', async (t) => {
    const { sup, clock, sent, latest, children } = setup(t);
    sup.startAll();
    latest('dca1').say({ t: 'started' });
    latest('dca1').die('SIGKILL');
    assert.equal(sup.status('dca1').state, 'backoff');
    await clock.advanceAsync(0);
    assert.equal(sent.at(-1)?.kind, 'bot-crash');
    assert.equal(sent.at(-1)?.severity, 'critical');
    assert.match(sent.at(-1)!.message, /dca1 killed by SIGKILL: restarting in 1000 ms/);
    const before = children.length;
    clock.advance(999);
    assert.equal(children.length, before, 'not restarted before the backoff');
    clock.advance(1);
    assert.equal(children.length, before + 1, 'restarted after 1000 ms');
    assert.equal(sup.status('dca1').restarts, 1);
    // second crash: 2000 ms
    latest('dca1').die(null);
    clock.advance(1999);
    assert.equal(children.length, before + 1);
    clock.advance(1);
    assert.equal(children.length, before + 2);
    // the other bot never noticed
    assert.equal(sup.status('trail1').restarts, 0);
    await clock.advanceAsync(0);
    assert.equal(sent.filter((a) => a.kind === 'bot-crash').length, 2);
  });

  test('more crashes than the budget within the window: left stopped, one bot-crash-loop alert; start resets it', async (t) => {
    const { sup, clock, sent, latest } = setup(t);
    sup.startAll();
    for (let i = 0; i < 3; i++) {
      latest('dca1').die();
      clock.advance(4000);
    }
    latest('dca1').die();
    await clock.advanceAsync(0);
    assert.equal(sup.status('dca1').state, 'failed');
    assert.equal(sent.filter((a) => a.kind === 'bot-crash-loop').length, 1);
    assert.equal(sent.filter((a) => a.kind === 'bot-crash').length, 3);
    sup.start('dca1');
    assert.equal(sup.status('dca1').state, 'starting');
  });

  test('a bot asked to stop is not restarted; stopAll ends every bot and no restart follows', async (t) => {
    const { sup, clock, latest, children, sent } = setup(t);
    sup.startAll();
    const v = await sup.stop('dca1');
    assert.equal(v.state, 'stopped');
    assert.ok(latest('dca1').sent.some((m) => m.t === 'stop'));
    clock.advance(60_000);
    assert.equal(children.filter((c) => c.id === 'dca1').length, 1);
    await sup.stopAll();
    assert.equal(sup.status('trail1').state, 'stopped');
    await clock.advanceAsync(0);
    assert.equal(sent.length, 0, 'a requested stop is no crash');
  });

  test('bot processes share one limiter: a dead process gives back what it held', async (t) => {
    const { sup, latest } = setup(t);
    sup.startAll();
    const rule = { limit: 2, windowMs: 2000, key: 'user' } as const;
    const c = latest('dca1');
    c.say({ t: 'acquire', id: 1, key: 'k|u', rule: rule as never, n: 1, endpoint: 'POST /x' });
    c.say({ t: 'acquire', id: 2, key: 'k|u', rule: rule as never, n: 1, endpoint: 'POST /x' });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      c.sent.filter((m) => m.t === 'grant').map((m) => (m.t === 'grant' ? m.id : 0)),
      [1, 2],
    );
    const other = latest('trail1');
    other.say({ t: 'acquire', id: 7, key: 'k|u', rule: rule as never, n: 1, endpoint: 'POST /x' });
    await new Promise((r) => setImmediate(r));
    assert.equal(
      other.sent.filter((m) => m.t === 'grant').length,
      0,
      'the budget of the key is used up by the other bot',
    );
    assert.equal(sup.shared.headroom()[0]?.ratio, 0);
    c.die();
    // released at the death (counted in the window from then, as a response would be)
    assert.equal(sup.shared.limiter.used('k|u'), 2);
  });

  test('the control socket is owner-only (0600) and answers list / status / stop', async (t) => {
    const { sup, home, latest } = setup(t);
    sup.startAll();
    latest('dca1').say({ t: 'started' });
    const path = controlSocketPath(home);
    const server = await serveControl(sup, path);
    t.after(() => server.close());
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const list = (await controlRequest(path, { cmd: 'list' })) as BotView[];
    assert.deepEqual(
      list.map((b) => [b.id, b.state]),
      [
        ['dca1', 'running'],
        ['trail1', 'starting'],
      ],
    );
    const stopped = (await controlRequest(path, { cmd: 'stop', id: 'dca1' })) as BotView;
    assert.equal(stopped.state, 'stopped');
    await assert.rejects(controlRequest(path, { cmd: 'status', id: 'nope' }), /no bot "nope"/);
    await assert.rejects(serveControl(sup, path), /already runs/);
  });

  test('kill and resume need a reason, are audited and alerted', async (t) => {
    const { sup, sent, auditPath, clock } = setup(t);
    assert.throws(() => sup.kill('  ', 'ops'), /reason is required/);
    sup.kill('exchange incident', 'alice');
    assert.equal(sup.killSwitch.state().halted, true);
    sup.resume('incident over', 'alice');
    assert.equal(sup.killSwitch.state().halted, false);
    await clock.advanceAsync(0);
    assert.deepEqual(
      sent.map((a) => a.kind),
      ['kill-switch', 'kill-switch-released'],
    );
    const { readFileSync } = await import('node:fs');
    const actions = readFileSync(auditPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { action: string; why: string }).action);
    assert.deepEqual(actions, ['killswitch.engaged', 'killswitch.released']);
  });
});
