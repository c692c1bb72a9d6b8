import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '@storelens/config';

/**
 * A live camera on loopback (deploy/local/rtsp-source.ts: an RTSP server with ffmpeg publishing a video into it),
 * as its own process group so a test can kill the server and its publisher together, like a camera losing power.
 */
export class RtspSource {
  private child: ChildProcess | undefined;
  private output = '';

  constructor(
    private readonly opts: {
      file: string;
      port: number;
      rtpPort?: number;
      user?: string;
      password?: string;
      path?: string;
    },
  ) {}

  get url(): string {
    return `rtsp://127.0.0.1:${this.opts.port}${this.opts.path ?? '/cam'}`;
  }

  async start(timeoutMs = 60_000): Promise<void> {
    const root = repoRoot();
    const args = [
      ...['-r', path.join(root, 'deploy/local/register.js'), path.join(root, 'deploy/local/rtsp-source.ts')],
      ...['--file', this.opts.file, '--port', String(this.opts.port), '--path', this.opts.path ?? '/cam'],
      ...(this.opts.rtpPort ? ['--rtp-port', String(this.opts.rtpPort)] : []),
      ...(this.opts.user ? ['--user', this.opts.user, '--password', this.opts.password ?? ''] : []),
    ];
    const child = spawn(process.execPath, args, { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`rtsp source not ready: ${this.output}`)), timeoutMs);
      const keep = (d: Buffer) => {
        this.output = (this.output + d.toString()).slice(-4000);
        if (this.output.includes('ready ')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', keep);
      child.stderr!.on('data', keep);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`rtsp source exited (${code}): ${this.output}`));
      });
    });
  }

  /** SIGKILL to the server and its publisher. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    await exited;
  }
}
