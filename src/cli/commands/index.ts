import type { Command } from 'commander';
import { register as registerKill } from './kill.js';
import { register as registerWatch } from './watch.js';
import { register as registerSim } from './sim.js';
import { register as registerMarket } from './market.js';
import { register as registerAccount } from './account.js';
import { register as registerOrder } from './order.js';
import { register as registerKeys } from './keys.js';
import { register as registerDoctor } from './doctor.js';
import { register as registerScan } from './scan.js';
import { register as registerAudit } from './audit.js';
import { register as registerBot } from './bot.js';
import { register as registerDemo } from './demo.js';
import { register as registerData } from './data.js';
import { register as registerPosition } from './position.js';
import { register as registerAlgo } from './algo.js';
import { register as registerBacktest } from './backtest.js';
import { register as registerOptimize } from './optimize.js';
import { register as registerAnalyze } from './analyze.js';
import { register as registerArb } from './arb.js';
import { register as registerUp } from './up.js';
import { register as registerSignals } from './signals.js';
import { register as registerAlerts } from './alerts.js';
import { register as registerWorker } from './worker.js';
import { register as registerRisk } from './risk.js';

/** Each CLI command is one file exporting `register(program)`; this list wires them in. */
export type RegisterCommand = (program: Command) => void;

export const COMMANDS: RegisterCommand[] = [
  registerKill,
  registerWatch,
  registerSim,
  registerMarket,
  registerAccount,
  registerOrder,
  registerKeys,
  registerDoctor,
  registerScan,
  registerAudit,
  registerBot,
  registerDemo,
  registerData,
  registerPosition,
  registerAlgo,
  registerBacktest,
  registerOptimize,
  registerAnalyze,
  registerArb,
  registerUp,
  registerSignals,
  registerAlerts,
  registerWorker,
  registerRisk,
];
