import type {
  BotConfig,
  BollingerConfig,
  DcaConfig,
  EmaCrossConfig,
  GridConfig,
  MomentumConfig,
  TrailingConfig,
} from '../config.js';
import type { Strategy } from '../types.js';
import { DcaStrategy } from './dca.js';
import { GridStrategy } from './grid.js';
import { TrailingStopStrategy } from './trailing.js';
import { BollingerStrategy, EmaCrossStrategy, MomentumStrategy } from './signal.js';

export * from './grid.js';
export * from './dca.js';
export * from './trailing.js';
export * from './signal.js';

/** The strategy for a validated config. */
export function createStrategy(config: BotConfig): Strategy {
  switch (config.kind) {
    case 'grid':
      return new GridStrategy(config);
    case 'dca':
      return new DcaStrategy(config);
    case 'trailing':
      return new TrailingStopStrategy(config as TrailingConfig) as unknown as Strategy;
    case 'ema-cross':
      return new EmaCrossStrategy(config as EmaCrossConfig) as unknown as Strategy;
    case 'bollinger':
      return new BollingerStrategy(config as BollingerConfig) as unknown as Strategy;
    case 'momentum':
      return new MomentumStrategy(config as MomentumConfig) as unknown as Strategy;
    default:
      throw new Error(`unknown bot kind ${(config as { kind: string }).kind}`);
  }
}
