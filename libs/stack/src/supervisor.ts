import { spawn, type ChildProcess } from 'node:child_process';

/** One process the supervisor keeps running. */
export interface SupervisedProcess {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  /** where the process's stdout and stderr go (an open file descriptor), or 'ignore' */
  output: number | 'ignore';
  /** called with the pid each time the process is (re)started, e.g. to write a pid file */
  onStart?: (pid: number) => void;
}

export interface SupervisorOptions {
  /** delay before the first restart after a crash; doubled for each crash in a row */
  minBackoffMs?: number;
  /** the longest delay between restarts */
  maxBackoffMs?: number;
  /** a process that ran this long before dying counts as healthy: its next restart starts at minBackoffMs again */
  stableAfterMs?: number;
  /** one line per event (start, exit, restart), as a process manager's log */
  log: (event: SupervisorEvent) => void;
}

export interface SupervisorEvent {
  event: 'started' | 'exited' | 'restarting' | 'stopped';
  name: string;
  pid?: number;
  code?: number | null;
  signal?: string | null;
  /** restarts in a row without a stable run */
  crashes?: number;
  delayMs?: number;
}

interface Slot {
  spec: SupervisedProcess;
  child?: ChildProcess;
  crashes: number;
  startedAt: number;
  timer?: NodeJS.Timeout;
}

/**
 * Keeps a set of processes running, as a process manager (systemd, Kubernetes) would: a process that exits for any
 * reason while the supervisor is not stopping is started again after a backoff (1 s, 2 s, 4 s, … up to 30 s; back
 * to 1 s after a run of a minute), and every exit and restart is logged. stop() sends SIGTERM to every process,
 * then SIGKILL after a grace period.
 */
export class Supervisor {
  private readonly slots: Slot[];
  private stopping = false;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly stableAfterMs: number;

  constructor(
    specs: readonly SupervisedProcess[],
    private readonly opts: SupervisorOptions,
  ) {
    this.slots = specs.map((spec) => ({ spec, crashes: 0, startedAt: 0 }));
    this.minBackoffMs = opts.minBackoffMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 30_000;
    this.stableAfterMs = opts.stableAfterMs ?? 60_000;
  }

  start(): void {
    for (const slot of this.slots) this.launch(slot);
  }

  /** The current pid of a process (undefined while it waits for a restart). */
  pidOf(name: string): number | undefined {
    return this.slots.find((s) => s.spec.name === name)?.child?.pid;
  }

  /** The delay before restarting after `crashes` crashes in a row. */
  backoffMs(crashes: number): number {
    return Math.min(this.maxBackoffMs, this.minBackoffMs * 2 ** Math.max(0, crashes - 1));
  }

  async stop(graceMs = 20_000): Promise<void> {
    this.stopping = true;
    const running = this.slots.filter((s) => {
      clearTimeout(s.timer);
      return s.child && s.child.exitCode === null && s.child.signalCode === null;
    });
    await Promise.all(
      running.map(
        (s) =>
          new Promise<void>((resolve) => {
            const child = s.child!;
            const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
            child.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
  }

  private launch(slot: Slot): void {
    const { spec } = slot;
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['ignore', spec.output, spec.output],
    });
    slot.child = child;
    slot.startedAt = Date.now();
    if (child.pid !== undefined) spec.onStart?.(child.pid);
    this.opts.log({ event: 'started', name: spec.name, pid: child.pid });
    child.once('error', () => undefined); // a failed spawn also emits 'exit', which restarts it
    child.once('exit', (code, signal) => {
      this.opts.log({ event: 'exited', name: spec.name, pid: child.pid, code, signal });
      if (this.stopping) return;
      slot.crashes = Date.now() - slot.startedAt >= this.stableAfterMs ? 1 : slot.crashes + 1;
      const delayMs = this.backoffMs(slot.crashes);
      this.opts.log({ event: 'restarting', name: spec.name, crashes: slot.crashes, delayMs });
      slot.timer = setTimeout(() => {
        if (!this.stopping) this.launch(slot);
      }, delayMs);
    });
  }
}
