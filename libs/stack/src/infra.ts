import { spawn } from 'node:child_process';
import { Socket } from 'node:net';
import path from 'node:path';
// A relative import, not '@storelens/config': jest loads globalSetup without its moduleNameMapper.
import { config, repoRoot, type StoreLensConfig } from '@storelens/config';

interface Endpoint {
  service: string;
  host: string;
  port: number;
}

/** The backing services the tests talk to, as configured (the same URLs the libraries use). */
function endpoints(c: StoreLensConfig): Endpoint[] {
  const at = (service: string, url: string, defaultPort: number): Endpoint => {
    const u = new URL(url);
    return { service, host: u.hostname, port: Number(u.port || defaultPort) };
  };
  return [
    at('redis', c.redis.url, 6379),
    at('postgres', c.database.url, 5432),
    at('s3', c.s3.endpoint, c.s3.endpoint.startsWith('https:') ? 443 : 80),
  ];
}

function reachable({ host, port }: Endpoint, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

async function unreachable(): Promise<Endpoint[]> {
  const all = endpoints(config());
  const up = await Promise.all(all.map((e) => reachable(e)));
  return all.filter((_, i) => !up[i]);
}

const isLoopback = (host: string) => host === '127.0.0.1' || host === 'localhost' || host === '::1';

function runInfraUp(): Promise<void> {
  const script = path.join(repoRoot(), 'deploy/local/infra.sh');
  return new Promise((resolve, reject) => {
    // stdout goes to stderr so a jest --json run keeps a clean stdout
    const child = spawn('bash', [script, 'up'], { stdio: ['ignore', process.stderr, 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${script} up exited with ${code}`))));
  });
}

async function bringUp(): Promise<void> {
  // Probing three ports takes milliseconds; the script (apt checks, pg_ctl, curl) is only run when something is down.
  const down = await unreachable();
  if (down.length === 0) return;
  const remote = down.filter((e) => !isLoopback(e.host));
  if (remote.length > 0) {
    throw new Error(
      `not reachable and not ours to start: ${remote.map((e) => `${e.service} ${e.host}:${e.port}`).join(', ')}`,
    );
  }
  await runInfraUp();
  const still = await unreachable();
  if (still.length > 0) {
    throw new Error(
      `infra.sh up finished but still down: ${still.map((e) => `${e.service} ${e.host}:${e.port}`).join(', ')}`,
    );
  }
}

let pending: Promise<void> | undefined;

/**
 * Makes sure Redis, Postgres and the S3 endpoint are running, starting them with `deploy/local/infra.sh up` if
 * not. Runs once per process; when everything is already up it costs three TCP connects.
 */
export function ensureInfra(): Promise<void> {
  pending ??= bringUp().catch((err: unknown) => {
    pending = undefined; // let a later call try again
    throw err;
  });
  return pending;
}
