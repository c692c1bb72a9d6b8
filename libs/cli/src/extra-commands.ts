import type { Command } from 'commander';
import { addEvalCommands } from './commands/eval';
import { addTenantCommands } from './commands/tenant';
import { addDemoCommand } from './commands/demo';
import { addRetentionCommands } from './commands/retention';
import { addTrackCommand } from './commands/track';
import { addReembedCommand } from './commands/reembed';
import { addBiCommands } from './commands/bi';
import { addStoreDayCommand } from './commands/store-day';

/** Commands that live in other modules (eval, platform) register themselves here. */
export const extraCommands: ((program: Command) => void)[] = [
  addEvalCommands,
  addDemoCommand,
  addTenantCommands,
  addRetentionCommands,
  addTrackCommand,
  addReembedCommand,
  addBiCommands,
  addStoreDayCommand,
];
