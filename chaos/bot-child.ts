// A bot process for the restart chaos: runs one bot (grid, DCA or trailing) on the live path
// against the local exchange given on the command line, with the dead-man's switch on, and prints
// READY once started. The parent kills it with SIGKILL at a random moment.
import { OkxClient } from '../src/client/okx-client.js';
import { Credentials } from '../src/client/credentials.js';
import { parseBotConfig } from '../src/bots/config.js';
import type { BotKind } from '../src/bots/types.js';
import { runBot } from '../src/bots/run-bot.js';

const [baseUrl, kind, configJson, statePath, journalPath] = process.argv.slice(2);
const env = process.env;
const client = new OkxClient({
  baseUrl: baseUrl!,
  credentials: new Credentials(env.CHAOS_KEY!, env.CHAOS_SECRET!, env.CHAOS_PASSPHRASE!),
});
const ac = new AbortController();
process.on('SIGTERM', () => ac.abort());
await runBot({
  config: parseBotConfig(kind as BotKind, JSON.parse(configJson!)),
  client,
  statePath: statePath!,
  journalPath: journalPath!,
  signal: ac.signal,
  reconcileMs: 500,
  pollMs: 200,
  onStarted: () => process.stdout.write('READY\n'),
});
await client.close();
process.stdout.write('STOPPED\n');
