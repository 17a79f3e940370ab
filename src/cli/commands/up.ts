import type { Command } from 'commander';
import { envWithDotEnv } from '../../client/env.js';
import { readEnvValue } from '../../client/credentials.js';
import { defaultAuditLogPath } from '../../security/paths.js';
import { defaultStateDir, killScopeFor } from '../../trading/kill-switch.js';
import { ValidationError } from '../../util/errors.js';
import { loadOpsConfig } from '../../ops/config.js';
import type { OpsVenue } from '../../ops/supervisor.js';
import { startOps } from '../../ops/up.js';
import { venueFromKey } from '../../ops/venue.js';
import { join } from 'node:path';

interface UpFlags {
  config: string;
  port?: string;
  host?: string;
  seconds?: string;
}

function whole(flag: string, v: string, min: number): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min)
    throw new ValidationError(flag, `'${v}' is not a whole number >= ${min}`, `e.g. ${flag} 9464`);
  return n;
}

/** `okxkit up -c bots.yaml`: the bot supervisor with its metrics endpoint and dashboard. */
export function register(program: Command): void {
  program
    .command('up')
    .description(
      'run the bots of a config, each in its own process: restarts, metrics, dashboard, control socket',
    )
    .requiredOption(
      '-c, --config <file>',
      'supervisor config, YAML or JSON (bots, exchange, listen, restart, alerts)',
    )
    .option('--port <n>', "the metrics and dashboard port (default: the config's listen.port, 9464)")
    .option('--host <host>', 'bind address (default 127.0.0.1; anything else needs OKXKIT_DASHBOARD_TOKEN)')
    .option('--seconds <n>', 'stop everything after N seconds (default: until Ctrl-C or SIGTERM)')
    .action(async (flags: UpFlags) => {
      const config = loadOpsConfig(flags.config);
      const seconds = flags.seconds !== undefined ? whole('--seconds', flags.seconds, 1) : undefined;
      const port = flags.port !== undefined ? whole('--port', flags.port, 0) : undefined;
      const env = envWithDotEnv(process.env);
      const home = defaultStateDir();
      let venue: OpsVenue;
      let closeSim: (() => Promise<void>) | undefined;
      let stateDir = config.stateDir;
      if (config.exchange.sim) {
        const { startSimulator } = await import('../../sim/simulator.js');
        const sim = await startSimulator({ seed: config.exchange.sim.seed });
        closeSim = () => sim.close();
        const key = sim.key('trade');
        venue = {
          baseUrl: sim.restUrl,
          demo: false,
          key: { apiKey: key.apiKey, secretKey: key.secretKey, passphrase: key.passphrase },
          killScope: killScopeFor({ baseUrl: sim.restUrl, apiKey: key.apiKey }),
        };
        // A fresh market each run: the bots' state must not outlive it.
        stateDir ??= join(home, 'bots', `sim-${new URL(sim.restUrl).port}-${Date.now()}`);
        process.stderr.write(
          `note: the bots trade on the embedded local exchange at ${sim.restUrl}; nothing reaches OKX\n`,
        );
      } else {
        venue = await venueFromKey(config, env, (t) => process.stderr.write(t));
      }
      const token = readEnvValue(env, 'OKXKIT_DASHBOARD_TOKEN');
      let ops;
      try {
        ops = await startOps({
          config: stateDir ? { ...config, stateDir } : config,
          venue,
          home,
          auditPath: defaultAuditLogPath(),
          ...(token ? { token } : {}),
          ...(port !== undefined ? { port } : {}),
          ...(flags.host ? { host: flags.host } : {}),
        });
      } catch (err) {
        await closeSim?.();
        throw err;
      }
      process.stderr.write(
        `okxkit up: ${config.bots.length} bots; dashboard ${ops.url} metrics ${ops.url}metrics; control ${ops.socketPath}\n`,
      );
      await new Promise<void>((resolve) => {
        let timer: NodeJS.Timeout | undefined;
        const done = () => {
          process.removeListener('SIGINT', done);
          process.removeListener('SIGTERM', done);
          clearTimeout(timer);
          resolve();
        };
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
        if (seconds !== undefined) timer = setTimeout(done, seconds * 1000);
      });
      process.stderr.write('okxkit up: stopping the bots\n');
      await ops.stop();
      await closeSim?.();
      process.stderr.write('okxkit up: stopped\n');
    });
}
