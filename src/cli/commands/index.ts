import type { Command } from 'commander';

/** Each CLI command is one file exporting `register(program)`; this list wires them in. */
export type RegisterCommand = (program: Command) => void;

export const COMMANDS: RegisterCommand[] = [];
