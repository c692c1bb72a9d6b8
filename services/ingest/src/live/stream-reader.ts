import { spawn, type ChildProcess } from 'node:child_process';
import { JpegSplitter } from './jpeg-stream';
import { redactText, type StreamKind } from './stream-url';

export type RtspTransport = 'tcp' | 'udp';

export interface StreamReadOptions {
  url: string;
  kind: StreamKind;
  /** RTSP only */
  transport: RtspTransport;
  fps: number;
  /** socket timeout: how long a silent connection may stay open */
  timeoutMs: number;
}

/** Protocols ffmpeg may use for a camera: never file, pipe, concat, data or subfile. */
const PROTOCOLS = 'rtsp,rtsps,rtp,srtp,udp,tcp,tls,http,https,httpproxy,crypto';

/** The ffmpeg command line that samples a stream at `fps` as a sequence of JPEG images on stdout. */
export function ffmpegArgs(o: StreamReadOptions): string[] {
  const micros = String(o.timeoutMs * 1000);
  const input = o.kind === 'rtsp' ? ['-rtsp_transport', o.transport, '-timeout', micros] : ['-rw_timeout', micros];
  return [
    ...['-hide_banner', '-nostdin', '-loglevel', 'error'],
    ...['-fflags', 'nobuffer', '-protocol_whitelist', PROTOCOLS],
    ...input,
    ...['-i', o.url],
    ...['-an', '-sn', '-dn', '-vf', `fps=${o.fps}`],
    ...['-f', 'image2pipe', '-c:v', 'mjpeg', '-q:v', '4', 'pipe:1'],
  ];
}

export interface StreamEnd {
  frames: number;
  /** why the stream ended, in ffmpeg's words (credentials redacted), or ours */
  reason: string;
}

/**
 * One connection to a camera through ffmpeg: frames are handed to `onFrame` as they are decoded (never buffered
 * here), and `ended` resolves when ffmpeg exits, with how many frames came and why it stopped. `close()` kills
 * ffmpeg. ffmpeg is a separate process, so a stream that hangs or crashes the decoder never touches this one.
 */
export class StreamReader {
  readonly ended: Promise<StreamEnd>;
  private child: ChildProcess;
  private frames = 0;
  private stderr = '';
  private closedBy: string | null = null;

  constructor(options: StreamReadOptions, onFrame: (jpeg: Buffer, receivedAt: Date) => void, ffmpeg = 'ffmpeg') {
    const splitter = new JpegSplitter();
    this.child = spawn(ffmpeg, ffmpegArgs(options), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (chunk: Buffer) => {
      for (const jpeg of splitter.push(chunk)) {
        this.frames++;
        onFrame(jpeg, new Date());
      }
    });
    this.child.stderr!.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    this.ended = new Promise((resolve) => {
      this.child.once('error', (err) => resolve({ frames: this.frames, reason: `cannot run ffmpeg: ${err.message}` }));
      this.child.once('close', (code, signal) => {
        resolve({ frames: this.frames, reason: this.closedBy ?? this.describeExit(code, signal) });
      });
    });
  }

  /** Stops the connection; `reason` becomes the stream's end reason. */
  close(reason: string): void {
    this.closedBy ??= reason;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  private describeExit(code: number | null, signal: string | null): string {
    const lines = redactText(this.stderr)
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    const last = lines.slice(-2).join('; ');
    if (last) return last.slice(0, 400);
    if (code === 0) return 'the stream ended';
    return `ffmpeg exited with ${signal ?? `code ${code}`}`;
  }
}
