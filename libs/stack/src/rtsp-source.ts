import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '@storelens/config';

/** Frames per second the TCP source sends (the video's frames, resampled), and how many plays of the video. */
const TCP_FPS = 10;
const TCP_LOOPS = 12;

/**
 * A live camera on loopback, as its own process group so a test can kill it whole, like a camera losing power:
 * - `transport: 'udp'` (default): deploy/local/rtsp-source.ts, an RTSP server with ffmpeg publishing the video
 *   into it, RTP over UDP only;
 * - `transport: 'tcp'`: deploy/local/rtsp-tcp-source.py, GStreamer's RTSP server refusing UDP (interleaved TCP
 *   only, as many NVRs), sending the video's frames (10 per second, 12 plays per session) as RTP/JPEG.
 */
export class RtspSource {
  private child: ChildProcess | undefined;
  private output = '';
  private clip: string | undefined;

  constructor(
    private readonly opts: {
      file: string;
      port: number;
      rtpPort?: number;
      user?: string;
      password?: string;
      path?: string;
      transport?: 'udp' | 'tcp';
    },
  ) {}

  get url(): string {
    return `rtsp://127.0.0.1:${this.opts.port}${this.opts.path ?? '/cam'}`;
  }

  async start(timeoutMs = 60_000): Promise<void> {
    const root = repoRoot();
    const child = this.opts.transport === 'tcp' ? this.spawnTcp(root) : this.spawnUdp(root);
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

  private spawnUdp(root: string): ChildProcess {
    const args = [
      ...['-r', path.join(root, 'deploy/local/register.js'), path.join(root, 'deploy/local/rtsp-source.ts')],
      ...['--file', this.opts.file, '--port', String(this.opts.port), '--path', this.opts.path ?? '/cam'],
      ...(this.opts.rtpPort ? ['--rtp-port', String(this.opts.rtpPort)] : []),
      ...(this.opts.user ? ['--user', this.opts.user, '--password', this.opts.password ?? ''] : []),
    ];
    return spawn(process.execPath, args, { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  private spawnTcp(root: string): ChildProcess {
    // the video looped to TCP_LOOPS plays, as JPEG frames (RTP/JPEG receivers assume the standard Huffman tables)
    this.clip ??= path.join(mkdtempSync(path.join(tmpdir(), 'rtsp-tcp-')), 'clip.mkv');
    execFileSync('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-stream_loop', String(TCP_LOOPS - 1), '-i', this.opts.file, '-an'],
      ...[
        '-vf',
        `fps=${TCP_FPS},format=yuvj420p`,
        '-c:v',
        'mjpeg',
        '-q:v',
        '4',
        '-huffman',
        'default',
        '-y',
        this.clip,
      ],
    ]);
    const args = [path.join(root, 'deploy/local/rtsp-tcp-source.py'), '--file', this.clip];
    args.push('--port', String(this.opts.port), '--path', this.opts.path ?? '/cam');
    return spawn('/usr/bin/python3', args, { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
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
