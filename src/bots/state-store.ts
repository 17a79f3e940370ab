import type { RiskMemory, RiskMemoryState } from '../trading/risk.js';
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BotKind, IntentRecord, IntentStatus } from './types.js';
import { createPrivateFile } from '../util/atomic-write.js';

/** Counters the runner keeps across restarts. */
export interface BotStats {
  firstStartMs: number;
  /** Equity (in quote) of the bot's base and quote currencies when it first started. */
  startEquity: string;
  ordersPlaced: number;
  fills: number;
  runs: number;
  /** Fees paid per currency (positive = paid); absent in states saved before fees were counted. */
  fees?: Record<string, string>;
  /** The same fees in quote, base fees valued at their fill price. */
  feesQuote?: string;
}

/** A bot's persisted row: its config, its strategy's state, its counters and the clOrdId counter. */
export interface BotRow {
  botId: string;
  kind: BotKind;
  config: unknown;
  state: object;
  stats: BotStats;
  /** Next clOrdId counter value: every intent takes one, so ids are never reissued. */
  seq: number;
}

const OPEN: IntentStatus[] = ['pending', 'parked', 'live'];

/**
 * Bot state in SQLite (WAL mode): one row per bot and one per order intent. Every change the
 * runner makes for one event (new state, new intents, finished orders) is written in a single
 * transaction, so after a crash the file holds either all of it or none of it.
 */
export class BotStateStore {
  private readonly db: Database.Database;
  private readonly stmts;

  constructor(readonly path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    createPrivateFile(path); // 0600: bot state is private
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // FULL: a commit is on disk before the order it records is sent.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS bots (
        bot_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        config TEXT NOT NULL,
        state TEXT NOT NULL,
        stats TEXT NOT NULL,
        seq INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS bot_orders (
        bot_id TEXT NOT NULL,
        cl_ord_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        status TEXT NOT NULL,
        record TEXT NOT NULL,
        updated_ms INTEGER NOT NULL,
        PRIMARY KEY (bot_id, cl_ord_id)
      );
      CREATE INDEX IF NOT EXISTS bot_orders_by_status ON bot_orders (bot_id, status, seq);
      CREATE TABLE IF NOT EXISTS risk_memory (
        bot_id TEXT PRIMARY KEY,
        memory TEXT NOT NULL,
        updated_ms INTEGER NOT NULL
      );
    `);
    this.stmts = {
      load: this.db.prepare('SELECT bot_id, kind, config, state, stats, seq FROM bots WHERE bot_id = ?'),
      upsertBot: this.db.prepare(
        `INSERT INTO bots (bot_id, kind, config, state, stats, seq, updated_ms) VALUES (@botId, @kind, @config, @state, @stats, @seq, @now)
         ON CONFLICT(bot_id) DO UPDATE SET kind = excluded.kind, config = excluded.config, state = excluded.state,
           stats = excluded.stats, seq = excluded.seq, updated_ms = excluded.updated_ms`,
      ),
      upsertOrder: this.db.prepare(
        `INSERT INTO bot_orders (bot_id, cl_ord_id, seq, status, record, updated_ms) VALUES (@botId, @clOrdId, @seq, @status, @record, @now)
         ON CONFLICT(bot_id, cl_ord_id) DO UPDATE SET status = excluded.status, record = excluded.record, updated_ms = excluded.updated_ms`,
      ),
      byStatus: this.db.prepare(
        `SELECT record FROM bot_orders WHERE bot_id = ? AND status IN (${OPEN.map(() => '?').join(',')}) ORDER BY seq`,
      ),
      all: this.db.prepare('SELECT record FROM bot_orders WHERE bot_id = ? ORDER BY seq'),
      loadRisk: this.db.prepare('SELECT memory FROM risk_memory WHERE bot_id = ?'),
      saveRisk: this.db.prepare(
        `INSERT INTO risk_memory (bot_id, memory, updated_ms) VALUES (?, ?, ?)
         ON CONFLICT(bot_id) DO UPDATE SET memory = excluded.memory, updated_ms = excluded.updated_ms`,
      ),
    };
  }

  /**
   * The bot's risk memory (the day's PnL, the peak equity), kept next to its state so a restart
   * resumes the limits where they were.
   */
  riskMemory(botId: string): RiskMemory {
    return {
      load: () => {
        const r = this.stmts.loadRisk.get(botId) as { memory: string } | undefined;
        return r ? (JSON.parse(r.memory) as RiskMemoryState) : undefined;
      },
      save: (m) => {
        this.stmts.saveRisk.run(botId, JSON.stringify(m), Date.now());
      },
    };
  }

  load(botId: string): BotRow | undefined {
    const r = this.stmts.load.get(botId) as
      | { bot_id: string; kind: BotKind; config: string; state: string; stats: string; seq: number }
      | undefined;
    if (!r) return undefined;
    return {
      botId: r.bot_id,
      kind: r.kind,
      config: JSON.parse(r.config),
      state: JSON.parse(r.state),
      stats: JSON.parse(r.stats),
      seq: r.seq,
    };
  }

  /** Intents not finished yet (pending, parked, live), oldest first. */
  openIntents(botId: string): IntentRecord[] {
    return (this.stmts.byStatus.all(botId, ...OPEN) as { record: string }[]).map((r) => JSON.parse(r.record));
  }

  /** Every intent of a bot, oldest first. */
  intents(botId: string): IntentRecord[] {
    return (this.stmts.all.all(botId) as { record: string }[]).map((r) => JSON.parse(r.record));
  }

  /** Writes the bot row and the given intents in one transaction. */
  commit(row: BotRow, intents: Iterable<IntentRecord>, nowMs: number): void {
    const tx = this.db.transaction(() => {
      this.stmts.upsertBot.run({
        botId: row.botId,
        kind: row.kind,
        config: JSON.stringify(row.config),
        state: JSON.stringify(row.state),
        stats: JSON.stringify(row.stats),
        seq: row.seq,
        now: nowMs,
      });
      for (const rec of intents) {
        this.stmts.upsertOrder.run({
          botId: row.botId,
          clOrdId: rec.clOrdId,
          seq: rec.seq,
          status: rec.status,
          record: JSON.stringify(rec),
          now: nowMs,
        });
      }
    });
    tx();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
