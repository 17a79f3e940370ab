import { Command, Option } from 'commander';
import { readEnvValue } from '../../client/credentials.js';
import { AuditLog, defaultOperator } from '../../security/audit-log.js';
import { Prompter, processIo, println, type SecurityIo } from '../../security/io.js';
import { defaultAuditLogPath, defaultVaultPath } from '../../security/paths.js';
import { vaultPassphraseFrom } from '../../security/resolve.js';
import {
  ProfileExistsError,
  Vault,
  VaultNotFoundError,
  type KeyPermission,
  type KeySecrets,
  type ProfileInfo,
  type ProfileMeta,
} from '../../security/vault.js';
import { ValidationError } from '../../util/errors.js';

interface Common {
  vault?: string;
  auditLog?: string;
  operator?: string;
  why?: string;
  json?: boolean;
}

interface MetaFlags {
  label?: string;
  site?: string;
  demo?: boolean;
  createdAt?: string;
  perms?: string;
  ips?: string;
  allowWithdraw?: boolean;
  readOnly?: boolean;
  notes?: string;
  stdin?: boolean;
}

const csv = (s: string | undefined) =>
  s === undefined
    ? undefined
    : s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);

function metaFrom(f: MetaFlags): Partial<ProfileMeta> {
  const m: Partial<ProfileMeta> = {};
  if (f.label !== undefined) m.label = f.label;
  if (f.site !== undefined) m.site = f.site as ProfileMeta['site'];
  if (f.demo !== undefined) m.demo = f.demo;
  if (f.createdAt !== undefined) m.createdAt = f.createdAt;
  if (f.perms !== undefined) m.expectedPerms = csv(f.perms) as KeyPermission[];
  if (f.ips !== undefined) m.ips = csv(f.ips)!;
  if (f.allowWithdraw !== undefined) m.allowWithdraw = f.allowWithdraw;
  if (f.readOnly !== undefined) m.readOnly = f.readOnly;
  if (f.notes !== undefined) m.notes = f.notes;
  return m;
}

async function openVault(io: SecurityIo, prompter: Prompter, opts: Common, create: boolean): Promise<Vault> {
  const path = opts.vault ?? defaultVaultPath(io.env);
  const isNew = !Vault.exists(path);
  if (isNew && !create) {
    // Before asking for a passphrase: there is nothing to open.
    throw new VaultNotFoundError(path);
  }
  const passphrase = await vaultPassphraseFrom({
    env: io.env,
    promptPassphrase: prompter.interactive
      ? async () => {
          const p = await prompter.hidden(
            isNew ? `New vault passphrase for ${path}: ` : `Vault passphrase for ${path}: `,
          );
          if (isNew && (await prompter.hidden('Repeat the vault passphrase: ')) !== p) {
            throw new ValidationError(
              'vault passphrase',
              'the two entries differ',
              'type the same passphrase twice',
            );
          }
          return p;
        }
      : undefined,
  });
  return Vault.open(path, passphrase, { create });
}

/**
 * The new key's three values: from OKX_API_KEY / OKX_SECRET_KEY / OKX_PASSPHRASE (or their
 * _FILE forms) when set, else stdin lines (piped, or --stdin), else prompts without echo.
 */
async function readSecrets(io: SecurityIo, prompter: Prompter): Promise<KeySecrets> {
  const apiKey = readEnvValue(io.env, 'OKX_API_KEY');
  const secretKey = readEnvValue(io.env, 'OKX_SECRET_KEY');
  const passphrase = readEnvValue(io.env, 'OKX_PASSPHRASE');
  if (apiKey || secretKey || passphrase) {
    const missing = [
      ['OKX_API_KEY', apiKey],
      ['OKX_SECRET_KEY', secretKey],
      ['OKX_PASSPHRASE', passphrase],
    ]
      .filter(([, v]) => !v)
      .map(([n]) => n);
    if (missing.length)
      throw new ValidationError(
        missing.join(', '),
        'not set while the other key variables are',
        'set all three, or none to be asked',
      );
    println(io.stderr, 'reading the new key from OKX_API_KEY, OKX_SECRET_KEY, OKX_PASSPHRASE');
    return { apiKey: apiKey!, secretKey: secretKey!, passphrase: passphrase! };
  }
  return {
    apiKey: (await prompter.visible('API key: ')).trim(),
    secretKey: (await prompter.hidden('Secret key: ')).trim(),
    // The passphrase is kept byte for byte (docs/REQUIREMENTS.md R5): no trimming.
    passphrase: await prompter.hidden('Passphrase: '),
  };
}

function audit(io: SecurityIo, opts: Common, action: string, details: Record<string, unknown>): void {
  const operator = opts.operator ?? defaultOperator(io.env);
  new AuditLog(opts.auditLog ?? defaultAuditLogPath(io.env), { operator }).append({
    action,
    details,
    why: opts.why ?? '',
    operator,
  });
}

function requireWhy(opts: Common): void {
  if (!opts.why?.trim())
    throw new ValidationError(
      '--why',
      'a justification is required (it goes into the audit trail)',
      'add --why "<reason>"',
    );
}

function describeProfile(p: ProfileInfo): string {
  return `${p.name} (${p.apiKeyMasked}, ${p.site}, ${p.demo ? 'demo' : 'live'}${p.readOnly ? ', read-only' : ''})`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function withCommon(cmd: Command, audited: boolean): Command {
  cmd.option('--vault <file>', 'vault file (default: $OKXKIT_VAULT or ~/.okxkit/vault.json)');
  if (audited) {
    cmd
      .option('--why <text>', 'justification, recorded in the audit trail (required)')
      .option('--operator <name>', 'who is acting (default: the OS user)')
      .option('--audit-log <file>', 'audit trail (default: $OKXKIT_AUDIT_LOG or ~/.okxkit/audit.jsonl)');
  }
  return cmd.option('--json', 'machine-readable output');
}

function withMeta(cmd: Command, forAdd: boolean): Command {
  cmd
    .option('--label <text>', 'label (default: the profile name)')
    .addOption(new Option('--site <site>', 'OKX site of the account').choices(['global', 'eea', 'us']))
    .option('--created-at <date>', 'when the key was created on OKX (default: now)')
    .option('--perms <list>', 'expected permissions, e.g. read_only,trade')
    .option('--ips <list>', 'IPs the key is bound to on OKX, comma-separated')
    .option('--notes <text>', 'free text')
    .option('--stdin', 'read key, secret and passphrase as three lines of stdin');
  if (forAdd) {
    cmd
      .option('--demo', 'a demo-trading key')
      .option('--live', 'a live key (the default)')
      .option('--read-only', 'clients built from this profile refuse every trading endpoint')
      .option(
        '--allow-withdraw',
        'accept a withdraw-enabled key (not recommended: bots refuse it otherwise)',
      );
  }
  return cmd;
}

// long: one commander chain per subcommand (options and a thin action each); splitting would only scatter the help text
/** `okxkit keys add|list|remove|rotate`: the credentials vault (docs/REQUIREMENTS.md R2, R3). */
export function register(program: Command, io: SecurityIo = processIo()): void {
  const keys = program
    .command('keys')
    .description('manage API keys in the encrypted vault (one profile per bot, server or strategy)');

  withMeta(
    withCommon(
      keys.command('add').argument('<profile>', 'profile name').description('store a key in the vault'),
      true,
    ),
    true,
  ).action(async (name: string, opts: Common & MetaFlags & { live?: boolean }) => {
    requireWhy(opts);
    if (opts.demo && opts.live) throw new ValidationError('--demo/--live', 'both given', 'choose one');
    const prompter = new Prompter(io, { lines: opts.stdin });
    try {
      const vault = await openVault(io, prompter, opts, true);
      // Refuse before asking for the key, not after.
      if (vault.has(name)) throw new ProfileExistsError(name);
      const secrets = await readSecrets(io, prompter);
      const meta = metaFrom({ ...opts, demo: opts.demo ? true : opts.live ? false : undefined });
      const info = vault.add(name, secrets, meta);
      // The change and its audit record land together: a failed record rolls the vault back.
      await vault.save({
        record: () =>
          audit(io, opts, 'key.added', {
            profile: name,
            apiKey: info.apiKeyMasked,
            site: info.site,
            demo: info.demo,
            readOnly: info.readOnly,
            allowWithdraw: info.allowWithdraw,
            vault: vault.path,
          }),
      });
      if (opts.json) println(io.stdout, JSON.stringify({ added: info, vault: vault.path }));
      else {
        println(io.stdout, `added ${describeProfile(info)} to ${vault.path}`);
        println(io.stdout, `check it against OKX: okxkit doctor --profile ${name}`);
      }
      if (info.allowWithdraw)
        println(
          io.stderr,
          `warning: profile ${name} accepts a withdraw-enabled key; a trading key should never be able to withdraw.`,
        );
    } finally {
      prompter.close();
    }
  });

  withCommon(keys.command('list').description('list profiles (never shows a secret)'), false)
    .option('--history', 'also list rotated-out keys')
    .option('--rotation-days <n>', 'flag keys older than this (default 90)', '90')
    .action(async (opts: Common & { history?: boolean; rotationDays: string }) => {
      const prompter = new Prompter(io);
      try {
        const vault = await openVault(io, prompter, opts, false);
        const days = Number(opts.rotationDays);
        if (!Number.isInteger(days) || days <= 0)
          throw new ValidationError(
            '--rotation-days',
            `"${opts.rotationDays}" is not a number of days`,
            'e.g. --rotation-days 90',
          );
        const list = vault.list();
        if (opts.json) {
          println(
            io.stdout,
            JSON.stringify({
              vault: vault.path,
              profiles: list.map((p) => ({ ...p, rotationDue: p.ageDays > days })),
              ...(opts.history ? { history: vault.history() } : {}),
            }),
          );
          return;
        }
        if (!list.length)
          println(io.stdout, `no profiles in ${vault.path}: add one with okxkit keys add <profile>`);
        else {
          const rows = [
            ['PROFILE', 'LABEL', 'KEY', 'SITE', 'ENV', 'CREATED', 'AGE', 'PERMS', 'IPS', 'FLAGS', 'NOTES'],
          ];
          for (const p of list) {
            const flags = [
              p.readOnly ? 'read-only' : '',
              p.allowWithdraw ? 'ALLOWS-WITHDRAW' : '',
              p.ageDays > days ? 'ROTATE' : '',
            ]
              .filter(Boolean)
              .join(',');
            rows.push([
              p.name,
              p.label,
              p.apiKeyMasked,
              p.site,
              p.demo ? 'demo' : 'live',
              p.createdAt.slice(0, 10),
              `${p.ageDays}d`,
              p.expectedPerms.join(','),
              p.ips.join(',') || '-',
              flags || '-',
              p.notes,
            ]);
          }
          println(io.stdout, table(rows));
          const due = list.filter((p) => p.ageDays > days);
          if (due.length)
            println(
              io.stdout,
              `\n${due.length} key(s) older than ${days} days: rotate with okxkit keys rotate <profile>`,
            );
        }
        if (opts.history) {
          const h = vault.history();
          println(
            io.stdout,
            h.length ? `\nrotated-out keys (delete them on OKX if not done):` : '\nno rotated-out keys',
          );
          for (const r of h)
            println(
              io.stdout,
              `  ${r.profile}  ${r.apiKeyMasked}  label ${r.label}  created ${r.createdAt.slice(0, 10)}  retired ${r.retiredAt.slice(0, 10)}`,
            );
        }
      } finally {
        prompter.close();
      }
    });

  withCommon(
    keys
      .command('remove')
      .argument('<profile>', 'profile name')
      .description('delete a profile from the vault'),
    true,
  ).action(async (name: string, opts: Common) => {
    requireWhy(opts);
    const prompter = new Prompter(io);
    try {
      const vault = await openVault(io, prompter, opts, false);
      const info = vault.remove(name);
      await vault.save({
        record: () =>
          audit(io, opts, 'key.removed', { profile: name, apiKey: info.apiKeyMasked, vault: vault.path }),
      });
      if (opts.json) println(io.stdout, JSON.stringify({ removed: info }));
      else {
        println(io.stdout, `removed ${describeProfile(info)}`);
        println(
          io.stdout,
          `The key still exists on OKX: delete ${info.apiKeyMasked} (label "${info.label}") under API management.`,
        );
      }
    } finally {
      prompter.close();
    }
  });

  withCommon(
    keys
      .command('passwd')
      .description(
        'change the vault passphrase (new one from OKXKIT_NEW_VAULT_PASSPHRASE or its _FILE, else asked twice); atomic',
      ),
    true,
  ).action(async (opts: Common) => {
    requireWhy(opts);
    const prompter = new Prompter(io);
    try {
      const vault = await openVault(io, prompter, opts, false);
      let next = readEnvValue(io.env, 'OKXKIT_NEW_VAULT_PASSPHRASE');
      if (next === undefined) {
        if (!prompter.interactive)
          throw new ValidationError(
            'new vault passphrase',
            'not given',
            'set OKXKIT_NEW_VAULT_PASSPHRASE (or its _FILE), or run in a terminal to be asked',
          );
        next = await prompter.hidden(`New vault passphrase for ${vault.path}: `);
        if ((await prompter.hidden('Repeat the new vault passphrase: ')) !== next)
          throw new ValidationError(
            'new vault passphrase',
            'the two entries differ',
            'type the same passphrase twice',
          );
      }
      await vault.changePassphrase(next, {
        record: () => audit(io, opts, 'key.vault_passphrase_changed', { vault: vault.path }),
      });
      if (opts.json) println(io.stdout, JSON.stringify({ passphraseChanged: vault.path }));
      else
        println(
          io.stdout,
          `vault passphrase changed for ${vault.path}; update OKXKIT_VAULT_PASSPHRASE where it is set`,
        );
    } finally {
      prompter.close();
    }
  });

  withMeta(
    withCommon(
      keys
        .command('rotate')
        .argument('<profile>', 'profile name')
        .description('swap in a new key for a profile'),
      true,
    ),
    false,
  ).action(async (name: string, opts: Common & MetaFlags) => {
    requireWhy(opts);
    const prompter = new Prompter(io, { lines: opts.stdin });
    try {
      const vault = await openVault(io, prompter, opts, false);
      vault.info(name); // fail before asking for the new key if the profile is unknown
      const secrets = await readSecrets(io, prompter);
      const { retired, profile } = vault.rotate(name, secrets, metaFrom(opts));
      // The change and its audit record land together: a failed record rolls the vault back.
      await vault.save({
        record: () =>
          audit(io, opts, 'key.rotated', {
            profile: name,
            oldKey: retired.apiKeyMasked,
            newKey: profile.apiKeyMasked,
            vault: vault.path,
          }),
      });
      if (opts.json) println(io.stdout, JSON.stringify({ rotated: profile, retired }));
      else {
        println(io.stdout, `rotated ${name}: now ${profile.apiKeyMasked} (was ${retired.apiKeyMasked})`);
        println(
          io.stdout,
          `Now delete the old key ${retired.apiKeyMasked} (label "${retired.label}", created ${retired.createdAt.slice(0, 10)}) on OKX under API management:`,
        );
        println(io.stdout, 'until it is deleted, anyone holding it can still use it.');
        println(io.stdout, `Check the new key: okxkit doctor --profile ${name}`);
      }
    } finally {
      prompter.close();
    }
  });
}
