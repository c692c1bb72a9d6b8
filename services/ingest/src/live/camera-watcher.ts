import type { LiveCamera } from '@storelens/db';
import type { LiveState, LiveStatus } from './live-state.repository';
import { StreamReader, type RtspTransport, type StreamEnd } from './stream-reader';
import type { StreamUrl } from './stream-url';

/** What a watcher needs from the rest of ingest: storing frames, reading their progress, reporting. */
export interface WatcherPorts {
  /** Stores one frame and queues its detection; returns the frame id. */
  writeFrame(camera: LiveCamera, jpeg: Buffer, capturedAt: Date): Promise<string>;
  /** Of these frame ids, those detection has not finished. */
  pendingFrames(camera: LiveCamera, frameIds: string[]): Promise<string[]>;
  report(camera: LiveCamera, status: LiveStatus): Promise<void>;
  /** camera.online / camera.offline */
  connectivity(camera: LiveCamera, online: boolean, reason: string | null): Promise<void>;
  countFrames(camera: LiveCamera, outcome: 'received' | 'queued' | 'dropped', n?: number): void;
  log(level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>): void;
}

export interface WatcherOptions {
  replica: string;
  maxBacklog: number;
  openTimeoutMs: number;
  reconnectMaxMs: number;
  /** how long a live stream may deliver nothing before it is reconnected (at least this, or 5 frame periods) */
  stallMs?: number;
  reportEveryMs?: number;
  /** how many failed opens in a row (without a frame) make the state `failed` instead of `connecting` */
  failAfter?: number;
  ffmpeg?: string;
  /**
   * The transport the camera was last read over (by this replica or the one that held it before): tried first when
   * the camera's transport is `auto`, so a takeover does not spend its first attempt on the one that failed.
   */
  lastTransport?: RtspTransport | null;
}

/** The RTSP transports to try, in order: the camera's own choice, else the last that worked first, else TCP first. */
export function transportOrder(setting: string, last: RtspTransport | null | undefined): RtspTransport[] {
  if (setting === 'tcp' || setting === 'udp') return [setting];
  return last === 'udp' ? ['udp', 'tcp'] : ['tcp', 'udp'];
}

const RATE_WINDOW_MS = 5000;

/** Frames per second over the last RATE_WINDOW_MS, from the times events happened. */
class Rate {
  private times: number[] = [];
  mark(now = Date.now()): void {
    this.times.push(now);
    this.trim(now);
  }
  perSecond(now = Date.now()): number {
    this.trim(now);
    return Math.round((this.times.length / (RATE_WINDOW_MS / 1000)) * 100) / 100;
  }
  private trim(now: number): void {
    while (this.times.length > 0 && this.times[0]! < now - RATE_WINDOW_MS) this.times.shift();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Keeps one live camera connected while this replica holds its lease: ffmpeg samples the stream at the camera's
 * fps, each frame is stored and queued for detection with its capture time, a lost or unopenable stream is
 * retried with exponential backoff (forever), and the status is reported about every second.
 *
 * Backpressure: at most `maxBacklog` of the camera's frames wait for detection; while that many wait, a new frame
 * takes the one waiting slot and the frame it replaces is dropped (and counted), so the newest frame is always the
 * next one sent and no queue grows without bound, here or in Redis.
 */
export class CameraWatcher {
  private state: LiveState = 'connecting';
  private since = new Date();
  private error: string | null = null;
  private lastFrameAt: Date | null = null;
  private transport: RtspTransport | null = null;
  private framesDropped = 0;
  private readonly fpsIn = new Rate();
  private readonly fpsProcessed = new Rate();
  /** frames sent to detection and not finished, oldest first */
  private inFlight: { id: string; capturedAt: number }[] = [];
  /** the newest frame not yet sent */
  private slot: { jpeg: Buffer; capturedAt: Date } | null = null;
  private sending = false;
  private reader: StreamReader | null = null;
  private stopped = false;
  private loop: Promise<void> | null = null;
  private timers: NodeJS.Timeout[] = [];
  private everLive = false;

  constructor(
    readonly camera: LiveCamera,
    private readonly stream: StreamUrl,
    private readonly ports: WatcherPorts,
    private readonly opts: WatcherOptions,
  ) {}

  start(): void {
    this.loop = this.run().catch((err: Error) => this.ports.log('warn', 'watcher loop ended', { err: err.message }));
    this.timers.push(setInterval(() => void this.refreshBacklog(), 1000));
    this.timers.push(setInterval(() => void this.report(), this.opts.reportEveryMs ?? 1000));
    void this.report();
  }

  /** Stops watching (the lease was lost, or the camera was stopped or changed). */
  async stop(finalState: LiveState | null = null): Promise<void> {
    this.stopped = true;
    this.reader?.close('stopped');
    this.timers.forEach((t) => clearInterval(t));
    await this.loop;
    if (finalState) {
      this.setState(finalState, null);
      await this.report();
    }
  }

  status(now = Date.now()): LiveStatus {
    const oldest = this.inFlight[0]?.capturedAt ?? this.slot?.capturedAt.getTime();
    return {
      state: this.state,
      since: this.since.toISOString(),
      lastFrameAt: this.lastFrameAt?.toISOString() ?? null,
      fpsIn: this.fpsIn.perSecond(now),
      fpsProcessed: this.fpsProcessed.perSecond(now),
      framesDropped: this.framesDropped,
      lagMs: oldest === undefined ? 0 : Math.max(0, now - oldest),
      error: this.error,
      replica: this.opts.replica,
      transport: this.stream.kind === 'rtsp' ? this.transport : null,
      reportedAt: now,
    };
  }

  private async run(): Promise<void> {
    let failures = 0;
    let backoffMs = 1000;
    const transports = this.transportOrder();
    let t = 0;
    while (!this.stopped) {
      this.transport = transports[t % transports.length]!;
      const startedAt = Date.now();
      const end = await this.connectOnce(this.transport);
      // one line per connection, so a camera's history (which transport, how long, why it ended) reads from the log
      this.ports.log('info', 'live stream connection ended', {
        cameraId: this.camera.id,
        transport: this.transport,
        frames: end.frames,
        reason: end.reason,
        ms: Date.now() - startedAt,
      });
      if (this.stopped) break;
      if (end.frames > 0) {
        // it was live and dropped: reconnect soon, with the transport that worked
        failures = 0;
        backoffMs = 1000;
        this.setState('reconnecting', end.reason);
        await this.ports.connectivity(this.camera, false, end.reason);
      } else {
        failures++;
        t++; // try the other transport next time (auto)
        const failed = !this.everLive && failures >= (this.opts.failAfter ?? 2 * transports.length);
        this.setState(failed ? 'failed' : this.everLive ? 'reconnecting' : 'connecting', end.reason);
        if (failed && failures === (this.opts.failAfter ?? 2 * transports.length)) {
          await this.ports.connectivity(this.camera, false, end.reason);
          this.ports.log('warn', 'stream cannot be opened', { reason: end.reason });
        }
      }
      await this.report();
      // auto transport: the other transport is tried at once; a full round of failures waits
      if (end.frames === 0 && t % transports.length !== 0) continue;
      const wait = Math.min(this.opts.reconnectMaxMs, backoffMs) * (0.75 + Math.random() * 0.5);
      backoffMs = Math.min(this.opts.reconnectMaxMs, backoffMs * 2);
      const until = Date.now() + wait;
      while (!this.stopped && Date.now() < until) await sleep(Math.min(250, until - Date.now()));
    }
  }

  private transportOrder(): RtspTransport[] {
    return transportOrder(this.camera.streamTransport, this.opts.lastTransport);
  }

  /** One ffmpeg connection, until it ends, stalls or is stopped. */
  private async connectOnce(transport: RtspTransport): Promise<StreamEnd> {
    const stallMs = Math.max(this.opts.stallMs ?? 5000, 5000 / this.camera.fps);
    const startedAt = Date.now();
    let lastFrame = startedAt;
    let opened = false;
    const reader = new StreamReader(
      {
        url: this.stream.url,
        kind: this.stream.kind,
        transport,
        fps: this.camera.fps,
        timeoutMs: this.opts.openTimeoutMs,
      },
      (jpeg, receivedAt) => {
        lastFrame = Date.now();
        if (!opened) {
          opened = true;
          this.ports.log('info', 'live stream open', {
            cameraId: this.camera.id,
            transport,
            ms: Date.now() - startedAt,
          });
          this.everLive = true;
          this.setState('live', null);
          void this.ports.connectivity(this.camera, true, null);
          void this.report();
        }
        this.onFrame(jpeg, receivedAt);
      },
      this.opts.ffmpeg,
    );
    this.reader = reader;
    const watchdog = setInterval(() => {
      const silentMs = Date.now() - lastFrame;
      if (!opened && silentMs > this.opts.openTimeoutMs) {
        reader.close(`no video frame within ${Math.round(this.opts.openTimeoutMs / 1000)} s`);
      } else if (opened && silentMs > stallMs) {
        reader.close(`no frame for ${Math.round(silentMs / 1000)} s`);
      }
    }, 500);
    try {
      return await reader.ended;
    } finally {
      clearInterval(watchdog);
      this.reader = null;
    }
  }

  private onFrame(jpeg: Buffer, capturedAt: Date): void {
    this.fpsIn.mark();
    this.lastFrameAt = capturedAt;
    this.ports.countFrames(this.camera, 'received');
    if (this.slot) this.drop(1);
    this.slot = { jpeg, capturedAt };
    void this.pumpFrames();
  }

  private drop(n: number): void {
    this.framesDropped += n;
    this.ports.countFrames(this.camera, 'dropped', n);
  }

  /** Sends the waiting frame when detection has room for it; one store at a time. */
  private async pumpFrames(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.slot && this.inFlight.length < this.opts.maxBacklog && !this.stopped) {
        const { jpeg, capturedAt } = this.slot;
        this.slot = null;
        try {
          const id = await this.ports.writeFrame(this.camera, jpeg, capturedAt);
          this.inFlight.push({ id, capturedAt: capturedAt.getTime() });
          this.ports.countFrames(this.camera, 'queued');
        } catch (err) {
          this.drop(1);
          this.ports.log('warn', 'live frame not stored', { err: (err as Error).message });
        }
      }
    } finally {
      this.sending = false;
    }
  }

  /** Forgets the frames detection has finished (counting them as processed) and sends the waiting one. */
  private async refreshBacklog(): Promise<void> {
    if (this.inFlight.length === 0) return;
    try {
      const pending = new Set(
        await this.ports.pendingFrames(
          this.camera,
          this.inFlight.map((f) => f.id),
        ),
      );
      const now = Date.now();
      const before = this.inFlight.length;
      this.inFlight = this.inFlight.filter((f) => pending.has(f.id));
      for (let i = this.inFlight.length; i < before; i++) this.fpsProcessed.mark(now);
      void this.pumpFrames();
    } catch (err) {
      this.ports.log('warn', 'live backlog not read', { err: (err as Error).message });
    }
  }

  private setState(state: LiveState, error: string | null): void {
    if (state !== this.state) {
      this.state = state;
      this.since = new Date();
    }
    this.error = error;
  }

  private async report(): Promise<void> {
    try {
      await this.ports.report(this.camera, this.status());
    } catch (err) {
      this.ports.log('warn', 'live status not reported', { err: (err as Error).message });
    }
  }
}
