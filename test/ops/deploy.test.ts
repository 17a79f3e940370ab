// The deployment files: the Dockerfile's rules (non-root, no secret in a build argument or ENV),
// compose / Prometheus / Grafana wiring (ports, paths, the token for the scrape), and the Grafana
// dashboard querying only series that /metrics exposes.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { BotMetrics, OKXKIT_SERIES, SupervisorMetrics, exposition } from '../../src/ops/metrics.js';
import { parseOpsConfig } from '../../src/ops/config.js';
import type { BotStatus } from '../../src/bots/runner.js';

const read = (p: string) => readFileSync(p, 'utf8');
const SECRETISH = /(KEY|SECRET|PASSPHRASE|TOKEN|PASSWORD)/i;

/** Dockerfile instructions with continuation lines joined. */
function instructions(text: string): { op: string; args: string }[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
}

describe('Dockerfile', () => {
  const ins = instructions(read('Dockerfile'));
  const finalStage = ins.slice(ins.map((i) => i.op).lastIndexOf('FROM'));

  test('the final stage runs as a non-root user', () => {
    const users = finalStage.filter((i) => i.op === 'USER').map((i) => i.args);
    assert.ok(users.length > 0, 'no USER in the final stage');
    assert.ok(!/^(root|0)(:|$)/.test(users.at(-1)!), `runs as ${users.at(-1)}`);
    // nothing after USER switches back
    const last = finalStage.map((i) => i.op).lastIndexOf('USER');
    assert.ok(!finalStage.slice(last).some((i) => i.op === 'USER' && /^(root|0)/.test(i.args)));
  });

  test('no build argument at all, and no ENV carries a secret (only *_FILE paths would be allowed)', () => {
    assert.deepEqual(
      ins.filter((i) => i.op === 'ARG'),
      [],
    );
    const envNames = ins
      .filter((i) => i.op === 'ENV')
      .flatMap((i) => [...i.args.matchAll(/([A-Z_][A-Z0-9_]*)=/g)].map((m) => m[1]!));
    assert.ok(envNames.length > 0);
    assert.deepEqual(
      envNames.filter((n) => SECRETISH.test(n) && !n.endsWith('_FILE')),
      [],
    );
  });

  test('it starts the supervisor on the port Prometheus scrapes', () => {
    assert.ok(finalStage.some((i) => i.op === 'EXPOSE' && i.args.split(/\s+/).includes('9464')));
    const cmd = finalStage.find((i) => i.op === 'CMD')!.args;
    assert.match(cmd, /"up".*"-c".*"\/config\/bots\.yaml".*"--port", "9464"/);
  });
});

describe('compose, Prometheus, Grafana', () => {
  const compose = parseYaml(read('deploy/docker-compose.yml')) as {
    services: Record<
      string,
      { environment?: Record<string, string>; ports?: string[]; volumes?: string[]; secrets?: string[] }
    >;
    secrets: Record<string, { file: string }>;
  };
  const prom = parseYaml(read('deploy/prometheus/prometheus.yml')) as {
    scrape_configs: {
      job_name: string;
      metrics_path: string;
      authorization?: { credentials_file: string };
      static_configs: { targets: string[] }[];
    }[];
  };

  test('the supervisor gets its key from secret files, never from values in the environment', () => {
    const env = compose.services.okxkit!.environment!;
    for (const [k, v] of Object.entries(env)) {
      if (SECRETISH.test(k)) {
        assert.ok(k.endsWith('_FILE'), `${k} carries a secret value`);
        assert.match(v, /^\/run\/secrets\/(\w+)$/);
        const name = /^\/run\/secrets\/(\w+)$/.exec(v)![1]!;
        assert.ok(compose.services.okxkit!.secrets!.includes(name), `${name} is not mounted`);
        assert.ok(compose.secrets[name], `${name} is not declared`);
      }
    }
    assert.ok(
      env.OKX_API_KEY_FILE &&
        env.OKX_SECRET_KEY_FILE &&
        env.OKX_PASSPHRASE_FILE &&
        env.OKXKIT_DASHBOARD_TOKEN_FILE,
    );
    assert.ok(compose.services.okxkit!.volumes!.includes('./bots.yaml:/config/bots.yaml:ro'));
    // published on the host's loopback only
    for (const s of Object.values(compose.services))
      for (const p of s.ports ?? []) assert.match(p, /^127\.0\.0\.1:/);
  });

  test('Prometheus scrapes the supervisor at its service name, port and /metrics, with the token file', () => {
    const job = prom.scrape_configs.find((j) => j.job_name === 'okxkit')!;
    assert.equal(job.metrics_path, '/metrics');
    assert.deepEqual(job.static_configs[0]!.targets, ['okxkit:9464']);
    assert.equal(job.authorization!.credentials_file, '/run/secrets/dashboard_token');
    assert.ok(compose.services.prometheus!.secrets!.includes('dashboard_token'));
    assert.ok(
      compose.services.prometheus!.volumes!.includes(
        './prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro',
      ),
    );
  });

  test('Grafana is provisioned with the datasource and the dashboard file', () => {
    const vols = compose.services.grafana!.volumes!;
    assert.ok(vols.includes('./grafana/provisioning:/etc/grafana/provisioning:ro'));
    assert.ok(vols.includes('./grafana/okxkit.json:/var/lib/grafana/dashboards/okxkit.json:ro'));
    const provider = parseYaml(read('deploy/grafana/provisioning/dashboards/okxkit.yml')) as {
      providers: { options: { path: string } }[];
    };
    assert.equal(provider.providers[0]!.options.path, '/var/lib/grafana/dashboards');
    const ds = parseYaml(read('deploy/grafana/provisioning/datasources/prometheus.yml')) as {
      datasources: { uid: string; url: string }[];
    };
    assert.equal(ds.datasources[0]!.url, 'http://prometheus:9090');
    const dash = JSON.parse(read('deploy/grafana/okxkit.json')) as {
      panels: { datasource: { uid: string } }[];
    };
    assert.ok(dash.panels.every((p) => p.datasource.uid === ds.datasources[0]!.uid));
  });

  test('the example bots.yaml and the systemd unit are valid and keep secrets in files', () => {
    const cfg = parseOpsConfig(read('deploy/bots.yaml'), 'deploy/bots.yaml');
    assert.equal(cfg.bots.length, 2);
    const unit = read('deploy/systemd/okxkit.service');
    assert.match(unit, /^User=okxkit$/m);
    assert.match(unit, /^KillSignal=SIGTERM$/m);
    assert.match(unit, /^Environment=OKX_API_KEY_FILE=%d\/okx_api_key$/m);
    assert.doesNotMatch(unit, /^Environment=OKX_(API_KEY|SECRET_KEY|PASSPHRASE)=/m);
  });
});

test('every series the Grafana dashboard queries is on /metrics', async () => {
  const dash = JSON.parse(read('deploy/grafana/okxkit.json')) as {
    panels: { targets: { expr: string }[] }[];
  };
  const queried = new Set(
    dash.panels.flatMap((p) =>
      p.targets.flatMap((t) =>
        [...t.expr.matchAll(/okxkit_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, '')),
      ),
    ),
  );
  // the exposition of a supervisor and one sampled bot process, as /metrics serves it
  const bot = new BotMetrics('b1');
  bot.onRequest({
    endpoint: 'GET /api/v5/market/ticker',
    status: 200,
    okxCode: '0',
    latencyMs: 12,
    attempt: 0,
  });
  bot.onRequest({
    endpoint: 'POST /api/v5/trade/order',
    status: 200,
    okxCode: '51008',
    latencyMs: 20,
    attempt: 0,
  });
  bot.wsOpen('public');
  bot.wsDown('public', true);
  bot.sample(
    {
      quoteCcy: 'USDT',
      realisedPnl: '1',
      unrealisedPnl: '2',
      equity: '100',
      openOrders: 1,
      halted: '',
    } as BotStatus,
    undefined,
    {},
    { offsetMs: 3, errorMs: 1 },
  );
  const sup = new SupervisorMetrics({ headroom: () => [{ rule: 'POST /api/v5/trade/order', ratio: 0.5 }] });
  sup.pressure.inc({ endpoint: 'POST /api/v5/trade/order' });
  const { text } = await exposition(sup.registry, [await bot.snapshot()]);
  const exposed = new Set([...text.matchAll(/^# TYPE (okxkit_[a-z_]+) /gm)].map((m) => m[1]!));
  assert.deepEqual(
    [...queried].filter((s) => !exposed.has(s)),
    [],
  );
  assert.deepEqual(
    [...queried].filter((s) => !(OKXKIT_SERIES as readonly string[]).includes(s)),
    [],
  );
  assert.ok(queried.size >= 20, `the dashboard queries ${queried.size} series`);
});
