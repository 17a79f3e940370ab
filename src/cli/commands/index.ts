import type { Command } from 'commander';
import { register as registerKill } from './kill.js';

/** Each CLI command is one file exporting `register(program)`; this list wires them in. */
export type RegisterCommand = (program: Command) => void;

export const COMMANDS: RegisterCommand[] = [registerKill];
