import type { BotConfig, DcaConfig, GridConfig, TrailingConfig } from '../config.js';
import type { Strategy } from '../types.js';
import { DcaStrategy } from './dca.js';
import { GridStrategy } from './grid.js';
import { TrailingStopStrategy } from './trailing.js';

export * from './grid.js';
export * from './dca.js';
export * from './trailing.js';

/** The strategy for a validated config. */
export function createStrategy(config: BotConfig): Strategy {
  switch (config.kind) {
    case 'grid':
      return new GridStrategy(config as GridConfig) as unknown as Strategy;
    case 'dca':
      return new DcaStrategy(config as DcaConfig) as unknown as Strategy;
    case 'trailing':
      return new TrailingStopStrategy(config as TrailingConfig) as unknown as Strategy;
    default:
      throw new Error(`unknown bot kind ${(config as { kind: string }).kind}`);
  }
}
