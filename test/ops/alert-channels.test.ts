import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import {
  ALERT_ID_HEADER,
  ChannelError,
  ChannelSink,
  DiscordChannel,
  EmailChannel,
  SIGNATURE_HEADER,
  SignedWebhookChannel,
  SlackChannel,
  TelegramChannel,
  TIMESTAMP_HEADER,
  signWebhook,
  startAlertReceiver,
  verifyWebhook,
  type AlertChannel,
} from '../../src/ops/alerts/index.js';
import type { Alert } from '../../src/trading/alerts.js';
import { TestClock } from '../../src/util/clock.js';
import { until } from '../helpers/until.js';

const alert = (over: Partial<Alert> = {}): Alert => ({
  kind: 'risk-trip',
  severity: 'critical',
  message: 'daily loss limit hit',
  details: { bot: 'grid-1' },
  ts: 1_767_000_000_000,
  suppressed: 0,
  ...over,
});

describe('webhook channel (HMAC-SHA256 over timestamp.body)', () => {
  test('signs timestamp and body; a receiver verifies, and refuses a replay or an edit', async () => {
    const secret = 'fake-webhook-secret-1';
    const now = 1_767_000_000_500;
    const rx = await startAlertReceiver({ secret, now: () => now });
    try {
      const ch = new SignedWebhookChannel({ name: 'hook', url: `${rx.url}/hook`, secret, now: () => now });
      await ch.send(alert());
      const r = await rx.next(1);
      assert.equal(r.signature, 'ok');
      assert.equal(r.headers[TIMESTAMP_HEADER], String(now));
      const body = JSON.parse(r.body) as Alert & { id: string };
      assert.equal(body.kind, 'risk-trip');
      assert.equal(r.headers[ALERT_ID_HEADER], body.id);
      assert.equal(r.headers[SIGNATURE_HEADER], signWebhook(secret, String(now), r.body));
      const sig = r.headers[SIGNATURE_HEADER];
      // the same bytes 10 minutes later: a replay
      assert.equal(
        verifyWebhook({ secret, body: r.body, signature: sig, timestamp: String(now), nowMs: now + 600_000 })
          .ok,
        false,
      );
      // an edited body
      assert.equal(
        verifyWebhook({
          secret,
          body: r.body.replace('daily', 'weekly'),
          signature: sig,
          timestamp: String(now),
          nowMs: now,
        }).ok,
        false,
      );
      // a moved timestamp (it is in the signed bytes)
      assert.equal(
        verifyWebhook({ secret, body: r.body, signature: sig, timestamp: String(now + 1), nowMs: now }).ok,
        false,
      );
    } finally {
      await rx.close();
    }
  });
});

describe('chat channels against local stand-ins', () => {
  test('Slack posts { text }, Discord { content }, Telegram sendMessage with chat_id', async () => {
    const rx = await startAlertReceiver();
    try {
      await new SlackChannel({ name: 'slack', url: `${rx.url}/services/T0/B0/fakeslacktoken` }).send(alert());
      await new DiscordChannel({ name: 'discord', url: `${rx.url}/api/webhooks/1/fakediscordtoken` }).send(
        alert(),
      );
      await new TelegramChannel({
        name: 'tg',
        token: '123456:FAKE-telegram-token',
        chatId: '-1001',
        apiUrl: rx.url,
      }).send(alert());
      const [slack, discord, tg] = rx.received;
      assert.equal(slack!.path, '/services/T0/B0/fakeslacktoken');
      assert.match(
        (JSON.parse(slack!.body) as { text: string }).text,
        /CRITICAL\] risk-trip: daily loss limit hit/,
      );
      assert.match((JSON.parse(discord!.body) as { content: string }).content, /risk-trip/);
      assert.equal(tg!.path, '/bot123456:FAKE-telegram-token/sendMessage');
      const m = JSON.parse(tg!.body) as { chat_id: string; text: string };
      assert.equal(m.chat_id, '-1001');
      assert.match(m.text, /daily loss limit hit/);
    } finally {
      await rx.close();
    }
  });

  test('Telegram without ok: true is a failure; HTTP 400 is not retryable, 503 is', async () => {
    const rx = await startAlertReceiver({ status: (n) => (n === 1 ? 400 : 503) });
    try {
      const tg = new TelegramChannel({ name: 'tg', token: '1:FAKE', chatId: '1', apiUrl: rx.url });
      const e1 = await tg.send(alert()).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(e1 instanceof ChannelError);
      assert.equal(e1.retryable, false);
      const e2 = await tg.send(alert()).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(e2 instanceof ChannelError);
      assert.equal(e2.retryable, true);
      assert.match(e2.message, /HTTP 503/);
    } finally {
      await rx.close();
    }
  });
});

describe('email channel (SMTP, smtp-server as the receiver)', () => {
  test('authenticates and delivers subject and body to every recipient', async () => {
    const mails: Array<{ from: string; to: string[]; data: string; user?: string; pass?: string }> = [];
    let auth: { user?: string; pass?: string } = {};
    const server = new SMTPServer({
      secure: false,
      authOptional: false,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onAuth(a, _s, cb) {
        auth = { user: a.username, pass: a.password ?? undefined };
        cb(null, { user: a.username });
      },
      onData(stream, session, cb) {
        let data = '';
        stream.on('data', (c: Buffer) => (data += c.toString()));
        stream.on('end', () => {
          mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            data,
          });
          cb();
        });
      },
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.server.address() as AddressInfo).port;
    const ch = new EmailChannel({
      name: 'mail',
      host: '127.0.0.1',
      port,
      user: 'alerts',
      password: 'fake-smtp-password',
      from: 'okxkit@example.test',
      to: ['ops@example.test', 'oncall@example.test'],
    });
    try {
      await ch.send(alert());
      assert.equal(mails.length, 1);
      assert.deepEqual(mails[0]!.to, ['ops@example.test', 'oncall@example.test']);
      assert.equal(mails[0]!.from, 'okxkit@example.test');
      assert.match(mails[0]!.data, /Subject: \[okxkit\] CRITICAL risk-trip: daily loss limit hit/);
      assert.deepEqual(auth, { user: 'alerts', pass: 'fake-smtp-password' });
    } finally {
      ch.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

/** A channel in memory: fails `failures` times (retryable), then records. */
class MemoryChannel implements AlertChannel {
  readonly type = 'memory';
  readonly got: Alert[] = [];
  calls = 0;
  constructor(
    readonly name: string,
    private failures = 0,
    private readonly retryable = true,
  ) {}
  send(a: Alert): Promise<void> {
    this.calls++;
    if (this.failures > 0) {
      this.failures--;
      return Promise.reject(new ChannelError(this.name, 'the service answered HTTP 503', this.retryable));
    }
    this.got.push(a);
    return Promise.resolve();
  }
}

describe('delivery: retries with backoff on the clock, rate limit with a summary', () => {
  test('a retryable failure is retried after 1 s, 2 s, 4 s (exponential, on the TestClock)', async () => {
    const clock = new TestClock(0);
    const ch = new MemoryChannel('m', 3);
    const sink = new ChannelSink(ch, { clock, retries: 4, backoffMs: 1_000 });
    const p = sink.deliver(alert());
    const times: number[] = [];
    for (const step of [999, 1, 1_999, 1, 3_999, 1]) {
      await until(() => clock.pending > 0 || ch.got.length > 0, 'a retry timer');
      times.push(ch.calls);
      await clock.advanceAsync(step);
    }
    const o = await p;
    assert.deepEqual(times, [1, 1, 2, 2, 3, 3]);
    assert.equal(o.ok, true);
    assert.equal(o.attempts, 4);
    assert.equal(ch.got.length, 1);
    assert.equal(clock.now(), 7_000);
  });

  test('a permanent failure is not retried; retries run out and report the failure', async () => {
    const clock = new TestClock(0);
    const perm = new ChannelSink(new MemoryChannel('p', 5, false), { clock });
    const o1 = await perm.deliver(alert());
    assert.deepEqual([o1.ok, o1.attempts], [false, 1]);
    const flaky = new MemoryChannel('f', 10);
    const sink = new ChannelSink(flaky, { clock, retries: 2, backoffMs: 10 });
    const p = sink.deliver(alert());
    for (const backoff of [10, 20]) {
      await until(() => clock.pending > 0, 'a retry timer');
      await clock.advanceAsync(backoff);
    }
    const o2 = await p;
    assert.deepEqual([o2.ok, o2.attempts], [false, 3]);
    assert.match(o2.error!, /HTTP 503/);
    await assert.rejects(
      new ChannelSink(new MemoryChannel('x', 1, false), { clock }).send(alert()),
      ChannelError,
    );
  });

  test('over the rate limit, alerts are held and sent as one summary when the window frees', async () => {
    const clock = new TestClock(0);
    const ch = new MemoryChannel('m');
    const sink = new ChannelSink(ch, { clock, rateLimit: { max: 2, perMs: 60_000 } });
    for (let i = 0; i < 5; i++)
      await sink.send(alert({ kind: i < 4 ? 'error-rate' : 'ws-down', message: `n${i}`, ts: i }));
    assert.equal(ch.got.length, 2);
    assert.equal(sink.pendingSummary, 3);
    await clock.advanceAsync(59_999);
    assert.equal(ch.got.length, 2);
    await clock.advanceAsync(1);
    await until(() => ch.got.length === 3, 'the summary');
    const s = ch.got[2]!;
    assert.equal(s.kind, 'alerts-held');
    assert.equal(s.severity, 'critical');
    assert.match(
      s.message,
      /^3 alerts held back by the rate limit of channel m \(2 per 60 s\): 2 x error-rate, 1 x ws-down/,
    );
    assert.equal((s.details.alerts as unknown[]).length, 3);
    assert.equal(sink.pendingSummary, 0);
  });

  test('alerts held at shutdown go out in the summary on close', async () => {
    const clock = new TestClock(0);
    const ch = new MemoryChannel('m');
    const sink = new ChannelSink(ch, { clock, rateLimit: { max: 1, perMs: 60_000 } });
    await sink.send(alert({ message: 'a' }));
    await sink.send(alert({ message: 'b' }));
    await sink.close();
    assert.deepEqual(
      ch.got.map((a) => a.kind),
      ['risk-trip', 'alerts-held'],
    );
    assert.equal(clock.pending, 0);
  });
});

describe('secrets stay out of errors and printed objects (canary)', () => {
  test('an unreachable service fails without quoting the URL or token', async () => {
    const rx = await startAlertReceiver();
    const url = rx.url;
    await rx.close(); // now nothing listens there
    const canaries = ['CANARYslackPATH', 'CANARY-hmac-secret', '42:CANARYtelegram'];
    const channels = [
      new SlackChannel({ name: 'slack', url: `${url}/services/${canaries[0]}` }),
      new SignedWebhookChannel({ name: 'hook', url: `${url}/h`, secret: canaries[1]! }),
      new TelegramChannel({ name: 'tg', token: canaries[2]!, chatId: '1', apiUrl: url }),
    ];
    for (const ch of channels) {
      const err = await ch.send(alert()).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof ChannelError, `${ch.name} failed with a ChannelError`);
      const shown = [
        inspect(err, { depth: 10 }),
        JSON.stringify(err),
        String(err.stack),
        inspect(ch),
        JSON.stringify(ch),
      ].join('\n');
      for (const c of canaries) assert.ok(!shown.includes(c), `${ch.name} leaked ${c}: ${shown}`);
      assert.match(err.message, /could not reach the service \(ECONNREFUSED\)/);
    }
  });

  test('a bad URL that is itself a secret is not quoted in the error', () => {
    assert.throws(
      () => new SlackChannel({ name: 'slack', url: 'not a url CANARYslack' }),
      (e: Error) =>
        !e.message.includes('CANARY') && /alerts\.channels\.slack\.url: is not a valid URL/.test(e.message),
    );
  });
});
