import { ValidationError } from '../../util/errors.js';
import type { BotConfig } from '../config.js';
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
      return new TrailingStopStrategy(config);
    case 'ema-cross':
      return new EmaCrossStrategy(config);
    case 'bollinger':
      return new BollingerStrategy(config);
    case 'momentum':
      return new MomentumStrategy(config);
    default:
      throw new ValidationError(
        'kind',
        `"${String((config as { kind: unknown }).kind)}" is not a bot kind`,
        'use grid, dca, trailing, ema-cross, bollinger or momentum',
      );
  }
}
