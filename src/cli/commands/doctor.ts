import { Command, Option } from 'commander';
import { existsSync } from 'node:fs';
import type { Credentials } from '../../client/credentials.js';
import { OkxClient } from '../../client/okx-client.js';
import type { Site } from '../../protocol/hosts.js';
import { auditKey, formatAuditReport, type AuditOptions } from '../../security/doctor.js';
import { Prompter, processIo, println, type SecurityIo } from '../../security/io.js';
import { defaultVaultPath } from '../../security/paths.js';
import { resolveCredentials } from '../../security/resolve.js';
import { ValidationError } from '../../util/errors.js';

interface DoctorFlags {
  profile?: string;
  json?: boolean;
  baseUrl?: string;
  sim?: boolean;
  keyLabel: string;
  demo?: boolean;
  site?: Site;
  rotationDays: string;
  vault?: string;
}

// long: one commander chain per subcommand (options and a thin action each); splitting would only scatter the help text
/** `okxkit doctor`: audit a key against live, demo or the local exchange; exit 1 on any FAIL. */
export function register(program: Command, io: SecurityIo = processIo()): void {
  program
    .command('doctor')
    .description(
      'audit an API key: signature, environment, permissions, IP whitelist, clock, age, latency, vault file',
    )
    .option(
      '--profile <name>',
      'vault profile (default: $OKXKIT_PROFILE, else OKX_API_KEY/OKX_SECRET_KEY/OKX_PASSPHRASE)',
    )
    .option('--base-url <url>', 'REST base URL (default: the profile site host, or $OKX_BASE_URL)')
    .option('--sim', 'start the local exchange in-process and audit one of its keys')
    .option('--key-label <label>', 'with --sim: which key (trade, read-only, withdraw, trade-no-ip)', 'trade')
    .option('--demo', 'send requests as demo trading (x-simulated-trading: 1)')
    .addOption(new Option('--site <site>', 'OKX site').choices(['global', 'eea', 'us']))
    .option('--rotation-days <n>', 'key rotation period in days', '90')
    .option('--vault <file>', 'vault file (default: $OKXKIT_VAULT or ~/.okxkit/vault.json)')
    .option('--json', 'machine-readable output')
    .action(async (opts: DoctorFlags) => {
      const rotationDays = Number(opts.rotationDays);
      if (!Number.isInteger(rotationDays) || rotationDays <= 0) {
        throw new ValidationError(
          '--rotation-days',
          `"${opts.rotationDays}" is not a number of days`,
          'e.g. --rotation-days 90',
        );
      }
      const auditOpts: AuditOptions = { rotationDays };
      let credentials: Credentials;
      let baseUrl = opts.baseUrl;
      let demo = opts.demo === true;
      let site: Site | undefined = opts.site;
      let close: (() => Promise<void>) | undefined;
      let subject: string;
      if (opts.sim) {
        // Imported only here: the local exchange is not loaded for ordinary audits.
        const { startSimulator } = await import('../../sim/simulator.js');
        const sim = await startSimulator({ port: 0 });
        close = () => sim.close();
        const key = sim.key(opts.keyLabel);
        credentials = sim.credentials(opts.keyLabel);
        baseUrl = sim.restUrl;
        demo = key.demo;
        subject = `local exchange key "${opts.keyLabel}"`;
      } else {
        const prompter = new Prompter(io);
        try {
          const vaultPath = opts.vault ?? defaultVaultPath(io.env);
          const r = await resolveCredentials({
            ...(opts.profile ? { profile: opts.profile } : {}),
            env: io.env,
            vaultPath,
            ...(prompter.interactive
              ? { promptPassphrase: () => prompter.hidden(`Vault passphrase for ${vaultPath}: `) }
              : {}),
          });
          credentials = r.credentials;
          baseUrl = baseUrl ?? r.baseUrl;
          demo = opts.demo === true || r.demo;
          site = site ?? r.site;
          if (r.profile) {
            auditOpts.profile = r.profile;
            auditOpts.allowWithdraw = r.allowWithdraw;
          }
          if (r.source === 'vault' || existsSync(vaultPath)) auditOpts.vaultPath = vaultPath;
          subject = r.profile
            ? `profile "${r.profile.name}" (${credentials.maskedKey})`
            : `key ${credentials.maskedKey} from the environment`;
        } finally {
          prompter.close();
        }
      }
      try {
        // The audit only reads: the client is read-only whatever the profile says.
        const client = new OkxClient({
          credentials,
          demo,
          readOnly: true,
          retry: { maxRetries: 0 },
          ...(site ? { site } : {}),
          ...(baseUrl ? { baseUrl } : {}),
        });
        const report = await auditKey(client, { ...auditOpts, demo, ...(site ? { site } : {}) });
        if (opts.json)
          println(io.stdout, JSON.stringify({ subject, baseUrl: client.baseUrl, demo, ...report }));
        else {
          println(io.stdout, `okxkit doctor: ${subject}, ${demo ? 'demo' : 'live'} at ${client.baseUrl}`);
          io.stdout.write(formatAuditReport(report));
        }
        if (!report.ok) io.setExitCode(1);
      } finally {
        await close?.();
      }
    });
}
