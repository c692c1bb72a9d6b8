import type { Command } from 'commander';

/** Commands that live in other modules (eval, bench, platform) register themselves here. */
export const extraCommands: ((program: Command) => void)[] = [];
