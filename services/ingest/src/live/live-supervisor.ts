import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Counter } from 'prom-client';
import type { StoreLensConfig } from '@storelens/config';
import type { CameraStateData } from '@storelens/contracts';
import { LiveCameraRepository, type LiveCamera } from '@storelens/db';
import { EventPublisher } from '@storelens/events';
import { InjectConfig, Metrics, SecretBox } from '@storelens/platform';
import { CameraWatcher, type WatcherPorts } from './camera-watcher';
import type { RtspTransport } from './stream-reader';
import { LiveFrameWriter } from './live-frame-writer';
import { LiveStateRepository } from './live-state.repository';
import { parseStreamUrl, redactText } from './stream-url';

/** The context a camera's sealed stream URL is bound to. */
export const streamContext = (cameraId: string) => `camera-stream:${cameraId}`;

/** How long a camera's last status is kept (the API shows the last error of a camera nobody watches). */
const STATUS_TTL_MS = 3600_000;

/** What, when it changes, means the watcher must restart with the new settings. */
const settingsOf = (c: LiveCamera) => `${c.streamUrlEnc}|${c.fps}|${c.streamTransport}`;

/**
 * Shares the live cameras out between the ingest replicas and keeps a CameraWatcher on each camera this replica
 * holds. Every LIVE_POLL_MS it reads the cameras that should be watched, renews its leases (a lease it cannot
 * renew is lost: its watcher stops at once, so two replicas never feed the same camera for long), and takes free
 * cameras up to its fair share (cameras / replicas alive). A replica killed with SIGKILL stops renewing; its
 * leases run out after LIVE_LEASE_MS and the next poll of another replica takes the cameras over.
 */
@Injectable()
export class LiveSupervisor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LiveSupervisor.name);
  readonly replica = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly watchers = new Map<string, { watcher: CameraWatcher; settings: string }>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | null = null;
  private readonly frames: Counter<'camera' | 'outcome'>;

  constructor(
    @InjectConfig() private readonly cfg: StoreLensConfig,
    @Inject(LiveCameraRepository) private readonly live: LiveCameraRepository,
    @Inject(LiveStateRepository) private readonly state: LiveStateRepository,
    @Inject(SecretBox) private readonly box: SecretBox,
    @Inject(LiveFrameWriter) private readonly writer: LiveFrameWriter,
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.frames = new Counter({
      name: 'storelens_live_frames_total',
      help: 'Live camera frames: received from the stream, queued for detection, dropped at the source',
      labelNames: ['camera', 'outcome'],
      registers: [metrics.registry],
    });
  }

  onApplicationBootstrap(): void {
    if (!this.cfg.live.watch) return;
    this.timer = setInterval(() => void this.tick(), this.cfg.live.pollMs);
    void this.tick();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
    // hand the cameras back at once instead of letting the leases run out
    await Promise.all(
      [...this.watchers.entries()].map(async ([id, { watcher }]) => {
        await watcher.stop();
        await this.state.release(id, this.replica).catch(() => undefined);
      }),
    );
    this.watchers.clear();
    await this.state.leaveReplicas(this.replica).catch(() => undefined);
    await this.state.close();
  }

  /** The cameras this replica watches now (for tests and logs). */
  watching(): string[] {
    return [...this.watchers.keys()];
  }

  tick(): Promise<void> {
    this.ticking ??= this.reconcile()
      .catch((err: Error) => this.logger.warn({ err: err.message }, 'live cameras not reconciled'))
      .finally(() => (this.ticking = null));
    return this.ticking;
  }

  private async reconcile(): Promise<void> {
    const leaseMs = this.cfg.live.leaseMs;
    // renew first and all at once: a slow database read below must never let a held lease lapse
    const renewed = await Promise.all(
      [...this.watchers.keys()].map(
        async (id) => [id, await this.state.renew(id, this.replica, leaseMs).catch(() => false)] as const,
      ),
    );
    for (const [id, ok] of renewed) {
      const w = this.watchers.get(id);
      if (ok || !w) continue;
      this.logger.warn({ cameraId: id }, 'live camera lease lost; another replica takes it');
      this.watchers.delete(id);
      await w.watcher.stop();
    }
    const cameras = await this.live.listWatched();
    const wanted = new Map(cameras.map((c) => [c.id, c]));
    for (const [id, w] of this.watchers) {
      const camera = wanted.get(id);
      if (camera && settingsOf(camera) === w.settings) continue;
      this.watchers.delete(id);
      await w.watcher.stop(camera ? null : 'stopped');
      await this.state.release(id, this.replica);
    }
    const replicas = await this.state.heartbeat(this.replica, leaseMs);
    const share = Math.ceil(cameras.length / replicas);
    for (const camera of cameras) {
      if (this.watchers.size >= share) break;
      if (this.watchers.has(camera.id)) continue;
      if (!(await this.state.acquire(camera.id, this.replica, leaseMs))) continue;
      // a camera taken over starts with the transport its last holder read it over
      const last = (await this.state.readStatus(camera.id).catch(() => null))?.transport;
      this.watch(camera, last === 'tcp' || last === 'udp' ? last : null);
    }
  }

  private watch(camera: LiveCamera, lastTransport: RtspTransport | null): void {
    let url;
    try {
      url = parseStreamUrl(this.box.open(camera.streamUrlEnc, streamContext(camera.id)));
    } catch (err) {
      // e.g. the key changed: report it on the camera rather than retrying something that cannot work
      const now = Date.now();
      void this.state.writeStatus(
        camera.id,
        {
          state: 'failed',
          since: new Date(now).toISOString(),
          lastFrameAt: null,
          fpsIn: 0,
          fpsProcessed: 0,
          framesDropped: 0,
          lagMs: 0,
          error: `the stream URL cannot be read: ${(err as Error).message}`,
          replica: this.replica,
          transport: null,
          reportedAt: now,
        },
        STATUS_TTL_MS,
      );
      return;
    }
    const watcher = new CameraWatcher(camera, url, this.ports(), {
      replica: this.replica,
      maxBacklog: this.cfg.live.maxBacklog,
      openTimeoutMs: this.cfg.live.openTimeoutMs,
      reconnectMaxMs: this.cfg.live.reconnectMaxMs,
      lastTransport,
    });
    this.watchers.set(camera.id, { watcher, settings: settingsOf(camera) });
    this.logger.log({ cameraId: camera.id, url: url.redacted, replica: this.replica }, 'watching live camera');
    watcher.start();
  }

  private ports(): WatcherPorts {
    return {
      writeFrame: (camera, jpeg, at) => this.writer.write(camera, jpeg, at),
      pendingFrames: (camera, ids) => this.live.pendingFrames(camera.tenantId, ids),
      report: (camera, status) => this.state.writeStatus(camera.id, status, STATUS_TTL_MS),
      connectivity: (camera, online, reason) =>
        this.announce(camera, online, reason).catch((err: Error) =>
          this.logger.warn({ cameraId: camera.id, err: err.message }, 'camera connectivity not announced'),
        ),
      countFrames: (camera, outcome, n = 1) => this.frames.inc({ camera: camera.id, outcome }, n),
      log: (level, msg, fields) => this.logger[level === 'warn' ? 'warn' : 'log']({ ...fields }, msg),
    };
  }

  /** camera.online / camera.offline, once per change (a takeover that finds the camera as it was adds none). */
  private async announce(camera: LiveCamera, online: boolean, reason: string | null): Promise<void> {
    {
      if (!(await this.state.announce(camera.id, online))) return;
      const data: CameraStateData = {
        camera: { id: camera.id, name: camera.name },
        store: { id: camera.storeId },
        reason: reason && redactText(reason),
      };
      await this.events.publish(camera.tenantId, {
        type: online ? 'camera.online' : 'camera.offline',
        occurredAt: new Date(),
        storeId: camera.storeId,
        cameraId: camera.id,
        data: data as unknown as Record<string, unknown>,
      });
    }
  }
}
