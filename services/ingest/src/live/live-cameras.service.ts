import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import type { StoreLensConfig } from '@storelens/config';
import type { StreamTransport } from '@storelens/contracts';
import { CameraRepository, LiveCameraRepository, type StreamSettings } from '@storelens/db';
import {
  InjectConfig,
  OutboundPolicy,
  OutboundRefusedError,
  SecretBox,
  SecretKeyMissingError,
} from '@storelens/platform';
import type { z } from 'zod';
import type { CameraPatchSchema, LiveStatusDto } from './live-cameras.dto';
import { LiveStateRepository } from './live-state.repository';
import { streamContext } from './live-supervisor';
import { parseStreamUrl, StreamUrlError } from './stream-url';

/** Cameras' live side for the API: stream settings (validated, sealed), status, stop and start. */
@Injectable()
export class LiveCamerasService {
  constructor(
    @InjectConfig() private readonly cfg: StoreLensConfig,
    @Inject(CameraRepository) private readonly cameras: CameraRepository,
    @Inject(LiveCameraRepository) private readonly live: LiveCameraRepository,
    @Inject(LiveStateRepository) private readonly state: LiveStateRepository,
    @Inject(SecretBox) private readonly box: SecretBox,
    @Inject(OutboundPolicy) private readonly policy: OutboundPolicy,
  ) {}

  /**
   * Validates a stream URL (scheme allow-list, a host the outbound policy allows) and seals it for the camera.
   * 400 with the reason for a bad URL; 503 when no key to seal it with is configured.
   */
  async streamSettings(cameraId: string, streamUrl: string, transport?: StreamTransport): Promise<StreamSettings> {
    let url;
    try {
      url = parseStreamUrl(streamUrl);
      await this.policy.check(url.host);
    } catch (err) {
      if (err instanceof StreamUrlError || err instanceof OutboundRefusedError) {
        throw new BadRequestException(`streamUrl: ${err.message}`);
      }
      throw err;
    }
    try {
      return {
        streamUrlEnc: this.box.seal(url.url, streamContext(cameraId)),
        streamUrlRedacted: url.redacted,
        streamTransport: transport ?? 'auto',
      };
    } catch (err) {
      if (err instanceof SecretKeyMissingError) throw new ServiceUnavailableException(err.message);
      throw err;
    }
  }

  async update(tenantId: string, cameraId: string, patch: z.infer<typeof CameraPatchSchema>): Promise<void> {
    const { streamUrl, streamTransport, ...fields } = patch;
    if (!(await this.cameras.update(tenantId, cameraId, fields))) throw new NotFoundException('camera not found');
    if (streamUrl === null) await this.live.setStream(tenantId, cameraId, null);
    else if (streamUrl !== undefined) {
      await this.live.setStream(tenantId, cameraId, await this.streamSettings(cameraId, streamUrl, streamTransport));
    } else if (streamTransport) await this.live.setTransport(tenantId, cameraId, streamTransport);
  }

  async setEnabled(tenantId: string, cameraId: string, enabled: boolean): Promise<void> {
    if (await this.live.setEnabled(tenantId, cameraId, enabled)) return;
    if (!(await this.cameras.get(tenantId, cameraId))) throw new NotFoundException('camera not found');
    throw new ConflictException('the camera has no stream (set streamUrl first)');
  }

  /**
   * The watcher's last report, except: a stopped camera is `stopped`; a camera whose watcher has not reported
   * within a lease period is `offline` (its replica died and the takeover is pending, or no replica watches).
   */
  async status(tenantId: string, cameraId: string, now = Date.now()): Promise<LiveStatusDto> {
    const camera = await this.cameras.get(tenantId, cameraId);
    if (!camera) throw new NotFoundException('camera not found');
    if (!camera.streamUrlRedacted) throw new ConflictException('the camera has no stream');
    const s = await this.state.readStatus(cameraId);
    const base = {
      since: s?.since ?? camera.createdAt.toISOString(),
      lastFrameAt: s?.lastFrameAt ?? null,
      fpsIn: s?.fpsIn ?? 0,
      fpsProcessed: s?.fpsProcessed ?? 0,
      framesDropped: s?.framesDropped ?? 0,
      lagMs: s?.lagMs ?? 0,
      error: s?.error ?? null,
      transport: s?.transport ?? null,
    };
    if (!camera.liveEnabled) {
      return {
        ...base,
        state: 'stopped',
        since: s?.state === 'stopped' ? base.since : base.since,
        fpsIn: 0,
        fpsProcessed: 0,
      };
    }
    if (!s) return { ...base, state: 'connecting' };
    const staleAfter = this.cfg.live.leaseMs + 2 * this.cfg.live.pollMs;
    if (s.state !== 'stopped' && now - s.reportedAt > staleAfter) {
      return {
        ...base,
        state: 'offline',
        since: new Date(s.reportedAt).toISOString(),
        fpsIn: 0,
        fpsProcessed: 0,
        error: 'no ingest replica is watching the camera (waiting for one to take it over)',
      };
    }
    if (s.state === 'stopped') return { ...base, state: 'connecting' }; // started again, not yet picked up
    return { ...base, state: s.state };
  }
}
