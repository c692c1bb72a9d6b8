import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of the processes the services lean on, which expose no /metrics of their own: every Postgres process
 * (backends and background workers; the postmaster's children-time covers backends that have exited), Redis, the
 * local S3 endpoint and the gateway. Read from /proc, so only for a stack on this machine; a process of that kind
 * that belongs to something else running here is counted too (run the bench on a quiet machine).
 */
export const INFRA_PROCESSES = ['postgres', 'redis', 's3 endpoint', 'gateway'] as const;
export type InfraProcess = (typeof INFRA_PROCESSES)[number];

/** Linux reports /proc times in USER_HZ, 100 on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

function kindOf(comm: string, cmdline: string): InfraProcess | null {
  if (comm === 'postgres') return 'postgres';
  if (comm === 'redis-server') return 'redis';
  if (cmdline.includes('s3-server')) return 's3 endpoint';
  if (cmdline.includes('services/gateway/')) return 'gateway';
  return null;
}

/** CPU seconds used so far by each kind of process (user + system, itself and its reaped children). */
export function infraCpuSeconds(): Map<InfraProcess, number> {
  const out = new Map<InfraProcess, number>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out; // not Linux
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const kind = kindOf(comm, readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
      if (!kind) continue;
      // fields after the command: state is field 3, utime 14, stime 15, cutime 16, cstime 17
      const f = stat.slice(close + 2).split(' ');
      const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
      out.set(kind, (out.get(kind) ?? 0) + ticks / TICKS_PER_SECOND);
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/** CPU ms each kind used between two readings, in INFRA_PROCESSES order (a kind absent from either is left out). */
export function infraCpuMsBetween(
  before: ReadonlyMap<InfraProcess, number>,
  after: ReadonlyMap<InfraProcess, number>,
): { process: InfraProcess; ms: number }[] {
  return INFRA_PROCESSES.flatMap((process) => {
    const [then, now] = [before.get(process), after.get(process)];
    return then === undefined || now === undefined ? [] : [{ process, ms: Math.max(0, (now - then) * 1000) }];
  });
}

/**
 * CPU seconds each process has used so far (user + system, its own threads, not its children), by pid; a pid that
 * cannot be read (not Linux, or gone) is left out. Read at the same instants as machineCpuSeconds, so that a
 * process's share and the machine's busy time cover the same span.
 */
export function pidCpuSeconds(pids: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(pid, (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND);
    } catch {
      // not Linux, or the process has ended
    }
  }
  return out;
}

/** The machine's CPU time by kind so far, in seconds over all cores (/proc/stat), or null off Linux. */
export function machineCpuSeconds(): Record<'busy' | 'total' | 'softirq' | 'steal', number> | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    // cpu user nice system idle iowait irq softirq steal ...
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    const busy = user! + nice! + system! + irq! + softirq!;
    return {
      busy: busy / TICKS_PER_SECOND,
      total: (busy + idle! + iowait!) / TICKS_PER_SECOND,
      softirq: softirq! / TICKS_PER_SECOND,
      steal: (steal ?? 0) / TICKS_PER_SECOND,
    };
  } catch {
    return null;
  }
}
