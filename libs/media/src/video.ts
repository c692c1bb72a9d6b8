import { withoutServerPaths } from '@storelens/contracts';
import { spawn } from 'node:child_process';
import type { RgbImage } from '@storelens/vision';

export class VideoError extends Error {
  constructor(
    readonly reason: 'no-video-stream' | 'unreadable' | 'ffmpeg-missing' | 'decode-failed',
    message: string,
  ) {
    // ffmpeg and ffprobe name the file they read: a temp path of the server, never shown to a client
    super(withoutServerPaths(message));
    this.name = 'VideoError';
  }
}

export interface VideoInfo {
  width: number;
  height: number;
  durationMs: number | null;
  fps: number | null;
  codec: string;
  /** The container's creation time (its `creation_time` tag), when it states a valid one. */
  createdAt: Date | null;
}

export interface VideoFrame {
  index: number;
  timeMs: number;
  image: RgbImage;
}

/** Frames larger than this on their long side are scaled down by ffmpeg before they reach us. */
const MAX_FRAME_SIDE = 1920;

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'ENOENT' ? new VideoError('ffmpeg-missing', `${cmd} is not installed`) : err),
    );
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Reads the first video stream's size, rate and duration; a file without one is refused. */
export async function probeVideo(file: string): Promise<VideoInfo> {
  const { code, stdout, stderr } = await run('ffprobe', [
    '-v', 'error', '-select_streams', 'v:0',
    '-show_entries', 'stream=width,height,avg_frame_rate,codec_name:stream_side_data=rotation:stream_tags=rotate:format=duration:format_tags=creation_time',
    '-of', 'json', file,
  ]);
  if (code !== 0) throw new VideoError('unreadable', `not a readable video: ${stderr.trim().split('\n').pop() ?? 'ffprobe failed'}`);
  const info = JSON.parse(stdout || '{}');
  const s = info.streams?.[0];
  if (!s || !s.width || !s.height) throw new VideoError('no-video-stream', 'the file has no video stream');
  const rotation = Number(s.side_data_list?.find((d: { rotation?: number }) => d.rotation !== undefined)?.rotation ?? s.tags?.rotate ?? 0);
  const swap = Math.abs(rotation) % 180 === 90;
  const [num, den] = String(s.avg_frame_rate ?? '0/1').split('/').map(Number);
  const duration = Number(info.format?.duration);
  const created = info.format?.tags?.creation_time ? new Date(String(info.format.tags.creation_time)) : null;
  return {
    width: swap ? s.height : s.width,
    height: swap ? s.width : s.height,
    fps: den > 0 && num > 0 ? num / den : null,
    durationMs: Number.isFinite(duration) ? Math.round(duration * 1000) : null,
    codec: s.codec_name ?? 'unknown',
    createdAt: created && Number.isFinite(created.getTime()) ? created : null,
  };
}

/** The frame size we ask ffmpeg for: the video's own, brought down to MAX_FRAME_SIDE and to even numbers. */
export function frameSize(w: number, h: number, maxSide = MAX_FRAME_SIDE): { width: number; height: number } {
  const s = Math.min(1, maxSide / Math.max(w, h));
  const even = (v: number) => Math.max(2, Math.round((v * s) / 2) * 2);
  return { width: even(w), height: even(h) };
}

/**
 * Streams a video's frames at `fps` (default 5) through ffmpeg as RGB, one frame in memory at a time:
 * the consumer's pace is ffmpeg's pace (the pipe applies back-pressure).
 */
export async function* videoFrames(file: string, opts: { fps?: number; maxFrames?: number } = {}): AsyncGenerator<VideoFrame> {
  const fps = opts.fps ?? 5;
  if (!(fps > 0 && fps <= 60)) throw new RangeError(`fps must be in (0, 60], got ${fps}`);
  const info = await probeVideo(file);
  const { width, height } = frameSize(info.width, info.height);
  const frameBytes = width * height * 3;
  const args = ['-v', 'error', '-nostdin', '-i', file, '-map', '0:v:0', '-vf', `fps=${fps},scale=${width}:${height}`];
  if (opts.maxFrames) args.push('-frames:v', String(opts.maxFrames));
  args.push('-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1');
  const proc = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise<number>((resolve) => proc.on('close', (code) => resolve(code ?? -1)));

  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let index = 0;
  try {
    for await (const chunk of proc.stdout as AsyncIterable<Buffer>) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      while (pendingBytes >= frameBytes) {
        const all = Buffer.concat(pending, pendingBytes);
        const frame = all.subarray(0, frameBytes);
        const rest = all.subarray(frameBytes);
        pending = rest.length ? [Buffer.from(rest)] : [];
        pendingBytes = rest.length;
        yield { index, timeMs: Math.round((index * 1000) / fps), image: { data: new Uint8Array(frame), width, height } };
        index++;
      }
    }
    const code = await exited;
    if (code !== 0 && index === 0) throw new VideoError('decode-failed', `video could not be decoded: ${stderr.trim().split('\n').pop()}`);
    if (index === 0) throw new VideoError('no-video-stream', 'the video has no decodable frames');
  } finally {
    if (proc.exitCode === null) proc.kill('SIGKILL');
  }
}

/** Encodes raw RGB frames into an H.264 MP4 through ffmpeg, respecting back-pressure. */
export class VideoWriter {
  private readonly proc;
  private readonly done: Promise<number>;
  private stderr = '';

  constructor(
    readonly file: string,
    readonly width: number,
    readonly height: number,
    fps: number,
  ) {
    this.proc = spawn(
      'ffmpeg',
      ['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps), '-i', 'pipe:0',
        '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', file],
      { stdio: ['pipe', 'ignore', 'pipe'] },
    );
    this.proc.stderr.on('data', (d) => (this.stderr = (this.stderr + d).slice(-4000)));
    this.done = new Promise((resolve) => this.proc.on('close', (code) => resolve(code ?? -1)));
  }

  async write(rgb: Buffer): Promise<void> {
    if (rgb.length !== this.width * this.height * 3) throw new RangeError('frame size does not match the video');
    if (!this.proc.stdin.write(rgb)) await new Promise((r) => this.proc.stdin.once('drain', r));
  }

  async close(): Promise<void> {
    this.proc.stdin.end();
    const code = await this.done;
    if (code !== 0) throw new Error(`video encoding failed: ${this.stderr.trim().split('\n').pop()}`);
  }
}

const VIDEO_EXTENSIONS = new Set(['.mp4', '.mov', '.mkv', '.avi', '.webm', '.m4v', '.mpg', '.mpeg', '.ts', '.flv', '.3gp']);
export function looksLikeVideo(file: string): boolean {
  const dot = file.lastIndexOf('.');
  return dot >= 0 && VIDEO_EXTENSIONS.has(file.slice(dot).toLowerCase());
}
