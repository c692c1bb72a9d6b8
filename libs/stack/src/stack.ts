/**
 * Starts and stops the StoreLens processes: the six services and the gateway. Used three ways:
 *   - `tsx deploy/local/services.ts up|down|status` (behind `npm run stack:up` / `stack:down`): detached
 *     processes with pid files and logs under the state dir, idempotent;
 *   - the end-to-end tests and the platform benchmark: attached child processes with their own database, queue
 *     prefix, bucket and ports, which a test can kill (SIGKILL) and restart.
 * Replicas: REPLICAS_<SERVICE>=n (e.g. REPLICAS_DETECTION=2, REPLICAS_INGEST_WORKER=2) starts n processes of that
 * service.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { config, repoRoot } from '@storelens/config';
import { Supervisor } from './supervisor';
import { localUrlSecret } from './url-secret';

/** The service processes; `ingest` is the ingest API and `ingest-worker` the same codebase as the ingest-queue worker. */
export const SERVICES = [
  'ingest',
  'ingest-worker',
  'analytics',
  'detection',
  'embedding',
  'attribute',
  'classification',
] as const;
export type ServiceName = (typeof SERVICES)[number] | 'gateway';

const ROOT = repoRoot();

/**
 * What every service process runs with unless the caller says otherwise, as the image sets it
 * (deploy/docker/Dockerfile): two glibc malloc arenas, or libvips' decoding threads each keep the freed pixels of
 * the images they decoded.
 */
export const SERVICE_RUNTIME_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/**
 * The entry point of a process and the Node arguments before it. One Node process per service (no wrapper
 * process), so a signal reaches the service itself. Sources run through ts-node (deploy/local/register.js);
 * compiled, `node dist/<path>.js` needs nothing else (npm run build resolves the path aliases).
 */
export function command(service: ServiceName, compiled: boolean): string[] {
  // the ingest codebase runs as the API or as the worker (ROLE_ENV)
  const codebase = service === 'ingest-worker' ? 'ingest' : service;
  const rel = service === 'gateway' ? 'services/gateway/src/gateway' : `services/${codebase}/src/main`;
  return compiled
    ? [path.join(ROOT, 'dist', `${rel}.js`)]
    : ['-r', path.join(ROOT, 'deploy/local/register.js'), path.join(ROOT, `${rel}.ts`)];
}

/** Port of the first process of each service, relative to the gateway's port (8080 by default). */
export const PORT_OFFSET: Record<ServiceName, number> = {
  gateway: 0,
  ingest: 1,
  analytics: 2,
  detection: 3,
  embedding: 4,
  attribute: 5,
  classification: 6,
  'ingest-worker': 7,
};

/** Settings a process gets because of what it is (the ingest codebase runs as the API or as the worker). */
const ROLE_ENV: Partial<Record<ServiceName, Record<string, string>>> = {
  ingest: { INGEST_ROLE: 'api' },
  'ingest-worker': { INGEST_ROLE: 'worker' },
};

export interface StackOptions {
  /** the gateway's port; service ports follow it (see PORT_OFFSET) */
  basePort: number;
  /** extra environment for every process (DATABASE_URL, QUEUE_PREFIX, S3_BUCKET, …) */
  env?: Record<string, string>;
  replicas?: Partial<Record<ServiceName, number>>;
  /** run from dist/ (npm run build) instead of the sources; defaults to STORELENS_COMPILED */
  compiled?: boolean;
  /** how long each process may take to answer /health (default 90 s; a loaded machine needs more) */
  startTimeoutMs?: number;
  /**
   * write a V8 CPU profile of every process into this folder (`<service>-<replica>.cpuprofile`), written when the
   * process exits: where each service's time goes under a load (`npm run bench -- --cpu-profile <dir>`)
   */
  cpuProfileDir?: string;
}

export interface ProcessSpec {
  service: ServiceName;
  replica: number;
  port: number;
  env: Record<string, string>;
  compiled: boolean;
  startTimeoutMs: number;
  /** Node options before the entry point (the CPU profiler's, when asked for) */
  nodeArgs: string[];
}

/** The file a process's CPU profile is written to (StackOptions.cpuProfileDir). */
export function cpuProfileName(service: ServiceName, replica: number): string {
  return `${service}-${replica}.cpuprofile`;
}

/** Every process of the stack, gateway last (it needs the API services' ports). */
export function plan(opts: StackOptions): ProcessSpec[] {
  const base = opts.basePort;
  const count = (service: ServiceName) => Math.max(1, opts.replicas?.[service] ?? 1);
  // replicas of one service sit 100 ports apart
  const portOf = (service: ServiceName, replica: number) => base + PORT_OFFSET[service] + 100 * replica;
  // the gateway spreads the requests of an API over every replica of it
  const urls = (service: ServiceName) =>
    Array.from({ length: count(service) }, (_, r) => `http://127.0.0.1:${portOf(service, r)}`).join(',');
  const shared: Record<string, string> = {
    ...opts.env,
    API_PORT: String(base),
    INGEST_URL: urls('ingest'),
    ANALYTICS_URL: urls('analytics'),
    PUBLIC_BASE_URL: opts.env?.PUBLIC_BASE_URL ?? `http://127.0.0.1:${base}`,
  };
  const compiled = opts.compiled ?? config().compiled;
  const specs: ProcessSpec[] = [];
  for (const service of [...SERVICES, 'gateway'] as ServiceName[]) {
    const n = count(service);
    for (let replica = 0; replica < n; replica++) {
      // the gateway has one process
      const port = portOf(service, replica);
      specs.push({
        service,
        replica,
        port,
        compiled,
        // each process compiles its TypeScript and loads its models at start, all at once: minutes on a busy 2-core machine
        startTimeoutMs: opts.startTimeoutMs ?? 600_000,
        env: { ...shared, ...ROLE_ENV[service], SERVICE_PORT: String(port) },
        nodeArgs: opts.cpuProfileDir
          ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfileDir}`, `--cpu-prof-name=${cpuProfileName(service, replica)}`]
          : [],
      });
      if (service === 'gateway') break;
    }
  }
  return specs;
}

export async function healthy(port: number, timeoutMs = 1000): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    return res.ok;
  } catch {
    return false;
  }
}

export async function waitHealthy(
  port: number,
  what: string,
  timeoutMs = 90_000,
  alive?: () => boolean,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await healthy(port)) return;
    if (alive && !alive()) throw new Error(`${what} exited before it became healthy`);
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not become healthy on port ${port} within ${timeoutMs / 1000} s`);
}

/** A process started by the tests: attached, killable, restartable. */
export class ManagedProcess {
  child: ChildProcess | undefined;
  private output = '';

  constructor(
    readonly spec: ProcessSpec,
    private readonly logFile?: string,
  ) {}

  get name(): string {
    return `${this.spec.service}#${this.spec.replica}`;
  }

  get alive(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines the process wrote, for failure messages. */
  get tail(): string {
    return this.output.slice(-3000);
  }

  /** Starts the process and waits for its /health (`timeoutMs`: longer on a busy machine). */
  async start(timeoutMs = this.spec.startTimeoutMs): Promise<void> {
    // the child inherits this environment (PATH, HOME, …) with the stack's settings on top
    // eslint-disable-next-line no-restricted-syntax
    const env = { ...SERVICE_RUNTIME_ENV, ...process.env, ...this.spec.env };
    this.child = spawn(process.execPath, [...this.spec.nodeArgs, ...command(this.spec.service, this.spec.compiled)], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (d: Buffer) => {
      this.output = (this.output + d.toString()).slice(-20_000);
      if (this.logFile) writeFileSync(this.logFile, d, { flag: 'a' });
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    try {
      await waitHealthy(this.spec.port, this.name, timeoutMs, () => this.alive);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- ${this.name} output ---\n${this.tail}`);
    }
  }

  /** SIGKILL: the process dies mid-whatever, as in a crash or an OOM kill. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.alive) return Promise.resolve();
    return new Promise((resolve) => {
      this.child!.once('exit', () => resolve());
      this.child!.kill(signal);
    });
  }

  /** SIGTERM, then SIGKILL after the grace period. */
  async stop(graceMs = 20_000): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((resolve) => this.child!.once('exit', () => resolve()));
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

/** The whole stack as attached processes (tests). */
export class ManagedStack {
  readonly processes: ManagedProcess[];

  constructor(
    readonly opts: StackOptions,
    logDir?: string,
  ) {
    if (logDir) mkdirSync(logDir, { recursive: true });
    this.processes = plan(opts).map(
      (spec) =>
        new ManagedProcess(
          spec,
          logDir ? path.join(logDir, `${spec.service}-${spec.replica}.log`) : undefined,
        ),
    );
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.opts.basePort}`;
  }

  process(service: ServiceName, replica = 0): ManagedProcess {
    const p = this.processes.find((x) => x.spec.service === service && x.spec.replica === replica);
    if (!p) throw new Error(`no process ${service}#${replica}`);
    return p;
  }

  async start(): Promise<void> {
    // workers load models (a few hundred ms each): start them side by side, gateway after the API services
    const [gateway, rest] = [
      this.processes.filter((p) => p.spec.service === 'gateway'),
      this.processes.filter((p) => p.spec.service !== 'gateway'),
    ];
    await Promise.all(rest.map((p) => p.start()));
    await Promise.all(gateway.map((p) => p.start()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop()));
  }
}

// ---- detached mode: npm run stack:up / stack:down ----

function stateDir(): string {
  return config().stateDir;
}

function pidFile(spec: ProcessSpec): string {
  return path.join(stateDir(), 'services', `${spec.service}-${spec.replica}.pid`);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readPid(spec: ProcessSpec): number | null {
  const f = pidFile(spec);
  if (!existsSync(f)) return null;
  const pid = Number(readFileSync(f, 'utf8'));
  return Number.isInteger(pid) && pidAlive(pid) ? pid : null;
}

/**
 * The key that seals stream credentials and webhook secrets in the local stack: STORELENS_SECRET_KEY when set,
 * else one generated on first start and kept (mode 0600) in the state dir, so the local stack needs no setup
 * while a deployment must bring its own (there is no default key).
 */
export function localSecretKey(): string {
  const c = config();
  if (c.secretKey) return c.secretKey.toString('base64');
  const file = path.join(stateDir(), 'secret.key');
  if (!existsSync(file)) {
    mkdirSync(stateDir(), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

function localPlan(): ProcessSpec[] {
  const c = config();
  return plan({
    basePort: c.api.port,
    replicas: c.replicas as Partial<Record<ServiceName, number>>,
    // generated once into the state folder; services refuse to start without them
    env: {
      STORELENS_SECRET_KEY: localSecretKey(),
      STORELENS_URL_SECRET: localUrlSecret(stateDir(), c.service.urlSecret),
    },
  });
}

function supervisorPidFile(): string {
  return path.join(stateDir(), 'services', 'supervisor.pid');
}

function supervisorPid(): number | null {
  const f = supervisorPidFile();
  if (!existsSync(f)) return null;
  const pid = Number(readFileSync(f, 'utf8'));
  return Number.isInteger(pid) && pidAlive(pid) ? pid : null;
}

/**
 * `stack:up`: starts the supervisor (deploy/local/supervise.ts) detached, in its own process group, unless it is
 * already running; it starts every process of the plan and restarts any that dies. Then waits until all answer.
 */
export async function upDetached(): Promise<void> {
  const specs = localPlan();
  mkdirSync(path.join(stateDir(), 'services'), { recursive: true });
  mkdirSync(path.join(stateDir(), 'logs'), { recursive: true });
  const running = supervisorPid() !== null;
  if (!running) {
    const log = openSync(path.join(stateDir(), 'logs', 'supervisor.log'), 'a');
    const child = spawn(process.execPath, ['-r', path.join(ROOT, 'deploy/local/register.js'), path.join(ROOT, 'deploy/local/supervise.ts')], {
      cwd: ROOT,
      // eslint-disable-next-line no-restricted-syntax -- inherit PATH, HOME, … with the stack's settings on top
      env: { ...process.env },
      stdio: ['ignore', log, log],
      detached: true, // its own process group: stack:down stops it and everything it started
    });
    closeSync(log);
    writeFileSync(supervisorPidFile(), String(child.pid));
    child.unref();
  }
  for (const spec of specs)
    await waitHealthy(spec.port, `${spec.service}#${spec.replica} (log: ${path.join(stateDir(), 'logs')})`);
  for (const spec of specs)
    console.log(`${running ? 'running' : 'started'}  ${spec.service}#${spec.replica}  http://127.0.0.1:${spec.port}`);
}

/** The supervisor process itself: runs the plan, restarts what dies, stops everything on SIGTERM. */
export async function superviseLocalStack(): Promise<void> {
  const specs = localPlan();
  const logs = path.join(stateDir(), 'logs');
  mkdirSync(logs, { recursive: true });
  const supervisor = new Supervisor(
    specs.map((spec) => ({
      name: `${spec.service}-${spec.replica}`,
      command: process.execPath,
      args: [...spec.nodeArgs, ...command(spec.service, spec.compiled)],
      cwd: ROOT,
      // eslint-disable-next-line no-restricted-syntax -- inherit PATH, HOME, … with the stack's settings on top
      env: { ...SERVICE_RUNTIME_ENV, ...process.env, ...spec.env } as Record<string, string>,
      output: openSync(path.join(logs, `${spec.service}-${spec.replica}.log`), 'a'),
      onStart: (pid) => writeFileSync(pidFile(spec), String(pid)),
    })),
    { log: (e) => console.log(JSON.stringify({ time: new Date().toISOString(), ...e })) },
  );
  supervisor.start();
  await new Promise<void>((resolve) => {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => resolve());
  });
  await supervisor.stop();
  for (const spec of specs) rmSync(pidFile(spec), { force: true });
  rmSync(supervisorPidFile(), { force: true });
}

export async function downDetached(): Promise<void> {
  const specs = localPlan();
  const dir = path.join(stateDir(), 'services');
  const pids = existsSync(dir)
    ? (await import('node:fs'))
        .readdirSync(dir)
        .map((f) => ({ f: path.join(dir, f), pid: Number(readFileSync(path.join(dir, f), 'utf8')) }))
    : [];
  // the supervisor leads a process group holding every service; older stacks ran each service as its own group
  const signal = (pid: number, sig: NodeJS.Signals) => {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, sig);
        return;
      } catch {
        // not a group leader, or gone already
      }
    }
  };
  for (const { pid } of pids) if (pidAlive(pid)) signal(pid, 'SIGTERM');
  const until = Date.now() + 25_000;
  while (pids.some(({ pid }) => pidAlive(pid)) && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
  for (const { pid } of pids) if (pidAlive(pid)) signal(pid, 'SIGKILL');
  for (const { f } of pids) rmSync(f, { force: true });
  console.log(`stopped ${pids.length} processes${specs.length ? '' : ''}`);
}

export async function statusDetached(): Promise<void> {
  for (const spec of localPlan()) {
    const pid = readPid(spec);
    console.log(
      `${spec.service}#${spec.replica}  ${pid ? `pid ${pid}` : 'not running'}  ${(await healthy(spec.port)) ? 'healthy' : 'not answering'}  :${spec.port}`,
    );
  }
}
