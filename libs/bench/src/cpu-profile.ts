import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@storelens/config';

/** The parts of a V8 `.cpuprofile` (node --cpu-prof) this reads. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string } }[];
  /** microseconds on the monotonic clock, as `process.hrtime` */
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileShare {
  /** a package, a source file of this repository, garbage collection, Node's own code, native code */
  what: string;
  ms: number;
  /** of the busy time */
  share: number;
}

export interface ProfileSummary {
  /**
   * sampled time in the window when the main thread was not idle: running JavaScript or native code, or ready to and
   * waiting for a core (V8 samples the thread by the clock, not by its CPU time, so on a busy machine this can exceed
   * the process's CPU time)
   */
  busyMs: number;
  idleMs: number;
  /** the largest shares first */
  top: ProfileShare[];
}

/** The main monotonic clock in microseconds, the one V8's profiles are stamped with. */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Where a sampled function belongs: its package, its file in this repository, or what V8 calls it. */
export function profileGroup(functionName: string, url: string, root = repoRoot()): string | null {
  if (functionName === '(idle)') return null;
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(program)') return 'V8 itself (program)';
  if (functionName === '(root)') return 'V8 itself (program)';
  if (!url) return 'native code';
  if (url.startsWith('node:')) return 'Node.js';
  const file = url.startsWith('file://') ? url.slice('file://'.length) : url;
  const nm = file.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = file.slice(nm + 'node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  return path.isAbsolute(file) ? path.relative(root, file) : file;
}

/**
 * The main thread's time in [fromUs, toUs] (monotonicMicros) by group, from a profile's samples: each sample is
 * charged the time until the next one, as Chrome's profiler does.
 */
export function summariseProfile(profile: CpuProfile, fromUs: number, toUs: number, top = 8): ProfileSummary {
  const root = repoRoot(); // once: it looks for the repository's root on disk
  const groupOf = new Map<number, string | null>();
  for (const n of profile.nodes) groupOf.set(n.id, profileGroup(n.callFrame.functionName, n.callFrame.url, root));
  const ms = new Map<string, number>();
  let idleUs = 0;
  let busyUs = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    const dt = profile.timeDeltas[i + 1] ?? 0;
    if (t < fromUs || t > toUs) continue;
    const group = groupOf.get(profile.samples[i]);
    if (group === null || group === undefined) {
      idleUs += dt;
      continue;
    }
    busyUs += dt;
    ms.set(group, (ms.get(group) ?? 0) + dt);
  }
  const round1 = (v: number) => Math.round(v * 10) / 10;
  return {
    busyMs: round1(busyUs / 1000),
    idleMs: round1(idleUs / 1000),
    top: [...ms]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([what, us]) => ({
        what,
        ms: round1(us / 1000),
        share: busyUs ? Math.round((us / busyUs) * 1000) / 1000 : 0,
      })),
  };
}

export function readCpuProfile(file: string): CpuProfile {
  return JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
}
