import type { BenchContext, BenchRow } from './types';

/**
 * Measures one extra row of the bench, e.g. the event-driven platform end to end through its queues (name it
 * `platform`). Called once per bench run, after the pipeline and raw-model rows and before the peer; return null
 * to leave the row out (say, when the services are not running). A throw fails the bench.
 */
export type BenchRowProvider = (ctx: BenchContext) => Promise<BenchRow | null>;

const providers: BenchRowProvider[] = [];

/** Adds a row to every later bench run in this process; returns a function that removes it again. */
export function registerBenchRow(provider: BenchRowProvider): () => void {
  providers.push(provider);
  return () => {
    const i = providers.indexOf(provider);
    if (i >= 0) providers.splice(i, 1);
  };
}

export function registeredBenchRows(): readonly BenchRowProvider[] {
  return [...providers];
}
