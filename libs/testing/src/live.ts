import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
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

export interface ReceivedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

/**
 * An HTTP receiver for webhook tests: records every request; `answer` decides per request (a status, or 'hang'
 * to never answer, as a dead receiver would).
 */
export class WebhookReceiver {
  readonly received: ReceivedRequest[] = [];
  private server: http.Server | undefined;
  private readonly hanging = new Set<http.ServerResponse>();

  constructor(
    private readonly port: number,
    private readonly answer: (req: ReceivedRequest, n: number) => number | 'hang' = () => 200,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const r = { path: req.url ?? '', headers: req.headers, body, at: Date.now() };
        this.received.push(r);
        const a = this.answer(r, this.received.length);
        if (a === 'hang') {
          this.hanging.add(res);
          return;
        }
        res.writeHead(a, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  async close(): Promise<void> {
    this.hanging.forEach((r) => r.destroy());
    this.server?.closeAllConnections();
    const server = this.server;
    if (server) await new Promise((r) => server.close(r));
  }
}

/** A page that is not video, served over HTTP: a camera pointed at it must fail with a reason. */
export async function htmlServer(port: number): Promise<http.Server> {
  const server = http.createServer((_, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>router login</title>'),
  );
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

export interface SseMessage {
  id: string;
  event: string;
  data: string;
}

/** Reads a Server-Sent Events stream with fetch, collecting its messages until closed. */
export class SseReader {
  readonly messages: SseMessage[] = [];
  private readonly abort = new AbortController();
  private done: Promise<void> | undefined;

  constructor(
    private readonly url: string,
    private readonly headers: Record<string, string>,
  ) {}

  /** Resolves once the response headers arrived (the stream is open). */
  async open(): Promise<number> {
    const res = await fetch(this.url, { headers: this.headers, signal: this.abort.signal });
    if (!res.ok || !res.body) return res.status;
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    this.done = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buffer += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const m: SseMessage = { id: '', event: 'message', data: '' };
            for (const line of block.split('\n')) {
              if (line.startsWith('id: ')) m.id = line.slice(4);
              else if (line.startsWith('event: ')) m.event = line.slice(7);
              else if (line.startsWith('data: ')) m.data += line.slice(6);
            }
            if (m.data) this.messages.push(m);
          }
        }
      } catch {
        /* aborted */
      }
    })();
    return res.status;
  }

  close(): Promise<void> {
    this.abort.abort();
    return this.done ?? Promise.resolve();
  }
}
