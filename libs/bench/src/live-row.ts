import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreLensClient } from '@storelens/api-client';
import { config } from '@storelens/config';
import { localSecretKey, RtspSource } from '@storelens/stack';
import { benchStack } from './bench-stack';
import { quantile, round } from './stats';

/**
 * The `live` row: live cameras on an RTSP source on loopback (the fixture video, in which Lin-Manuel Miranda is on
 * the watchlist), the whole stack on the real Redis, Postgres and S3, and a webhook receiver in the bench. Latency
 * is the event's `occurredAt` (the frame's capture time, stamped by ingest as it reads the frame) to the moment the
 * receiver gets the signed webhook: capture → decode → store → detect → embed → name → track → event → delivery.
 * A watchlist event is sent once per track; the clip loops with GAP_S seconds of black, so each loop starts new
 * tracks and gives new samples.
 *
 * It runs 1, 2, 4, … cameras at `fps` each for `secondsPerLevel`, and stops at the first level whose p95 exceeds
 * `maxP95Ms` (or at `maxCameras`): the largest level within it is what this machine sustains.
 */
export interface LiveLevel {
  cameras: number;
  /** webhook events received in the level's window */
  events: number;
  p50Ms: number | null;
  p95Ms: number | null;
  maxMs: number | null;
  /** frames read from the streams and processed, per second per camera (mean over cameras, from /status) */
  fpsIn: number;
  fpsProcessed: number;
  /** frames dropped at the source because detection was behind (sum over cameras, whole level) */
  framesDropped: number;
  /** largest age of a frame waiting for detection at the end of the level (from /status) */
  lagMs: number;
}

export interface LiveRow {
  name: 'live';
  fps: number;
  secondsPerLevel: number;
  maxP95Ms: number;
  levels: LiveLevel[];
  /** the most cameras with p95 within maxP95Ms (0 when even one is over) */
  sustainedCameras: number;
  note: string;
}

export interface LiveRowOptions {
  fps?: number;
  secondsPerLevel?: number;
  maxP95Ms?: number;
  maxCameras?: number;
  basePort?: number;
  log?: (line: string) => void;
}

/** Seconds of black after each loop of the clip: longer than the track gap at the row's frame rate. */
const GAP_S = 6;

/** The events' dedup window in the row's stack: shorter than a loop of the clip, longer than its 2 s cut. */
const DEDUP_S = 10;

/** Ports away from the platform row's stack (19080…) and the tests' (18080…). */
const LIVE_BASE_PORT = 19480;

interface Received {
  at: number;
  occurredAt: number;
  cameraId: string;
}

function receiver(port: number): Promise<{ server: http.Server; received: Received[] }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      try {
        const e = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          type: string;
          occurredAt: string;
          data: { camera?: { id: string } };
        };
        if (e.type === 'watchlist.sighted' && e.data.camera)
          received.push({ at, occurredAt: Date.parse(e.occurredAt), cameraId: e.data.camera.id });
      } catch {
        // not an event: ignored
      }
      res.writeHead(200).end('ok');
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ server, received })));
}

interface CameraStatus {
  state: string;
  fpsIn: number;
  fpsProcessed: number;
  framesDropped: number;
  lagMs: number;
}

export async function liveRow(opts: LiveRowOptions = {}): Promise<LiveRow> {
  const fps = opts.fps ?? 2;
  const secondsPerLevel = opts.secondsPerLevel ?? 60;
  const maxP95Ms = opts.maxP95Ms ?? 2000;
  const maxCameras = opts.maxCameras ?? 16;
  const basePort = opts.basePort ?? LIVE_BASE_PORT;
  const log = opts.log ?? (() => undefined);
  const fixtures = path.join(config().assetsDir, 'fixtures');

  // the clip, then GAP_S of black: every loop starts new tracks, so every loop brings a new watchlist event
  const clip = path.join(mkdtempSync(path.join(tmpdir(), 'bench-live-clip-')), 'clip-with-gap.mp4');
  execFileSync('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-i', path.join(fixtures, 'video', 'hamilton_clip.mp4')],
    ...['-vf', `tpad=stop_mode=add:stop_duration=${GAP_S}:color=black`],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-an', '-y', clip],
  ]);
  const source = new RtspSource({
    file: clip,
    port: basePort + 521,
    rtpPort: basePort + 1521,
  });
  const bench = await benchStack('bench live', basePort, {
    STORELENS_SECRET_KEY: localSecretKey(),
    // one event per person per camera per loop of the clip (16 s), not one a minute
    EVENT_DEDUP_SECONDS: String(DEDUP_S),
  });
  const { stack, key } = bench;
  let hook: { server: http.Server; received: Received[] } | undefined;
  try {
    log('live: starting the services, the RTSP source and the webhook receiver');
    hook = await receiver(basePort + 600);
    await Promise.all([stack.start(), source.start()]);
    const api = new StoreLensClient(stack.baseUrl).withKey(key);
    const store = await api.createStore('bench live');
    const person = await api.createIdentity({ name: 'Lin-Manuel Miranda', category: 'watchlist' });
    const enrolled = await api.waitForMedia(
      (await api.enrolFace(person.id, path.join(fixtures, 'faces/lin_manuel_miranda/lin-manuel-miranda.png'))).id,
    );
    if (enrolled.status !== 'done') throw new Error(`enrolment failed: ${enrolled.error}`);
    await api.request('POST', '/v1/webhooks', {
      url: `http://127.0.0.1:${basePort + 600}/hook`,
      events: ['watchlist.sighted'],
    });

    const levels: LiveLevel[] = [];
    const cameras: string[] = [];
    for (let n = 1; n <= maxCameras; n *= 2) {
      while (cameras.length < n) {
        const c = await api.createCamera(store.id, {
          name: `live ${cameras.length + 1}`,
          role: 'floor',
          fps,
          streamUrl: source.url,
        } as never);
        cameras.push(c.id);
      }
      // wait until every camera is live, then let a few seconds pass so the level starts in a steady state
      const liveBy = Date.now() + 120_000;
      for (;;) {
        const states = await Promise.all(
          cameras.map((c) => api.request<CameraStatus>('GET', `/v1/cameras/${c}/status`).catch(() => null)),
        );
        if (states.every((s) => s?.state === 'live')) break;
        if (Date.now() > liveBy) throw new Error(`cameras not live after 120 s: ${JSON.stringify(states)}`);
        await sleep(1000);
      }
      await sleep(5000);
      const dropsBefore = dropsOf(await statusOf(api, cameras));
      const from = Date.now();
      await sleep(secondsPerLevel * 1000);
      const window = hook.received.filter((r) => r.at >= from && r.at < Date.now() && cameras.includes(r.cameraId));
      const latencies = window.map((r) => r.at - r.occurredAt);
      const states = await statusOf(api, cameras);
      const level: LiveLevel = {
        cameras: n,
        events: window.length,
        p50Ms: latencies.length ? round(quantile(latencies, 0.5)) : null,
        p95Ms: latencies.length ? round(quantile(latencies, 0.95)) : null,
        maxMs: latencies.length ? round(Math.max(...latencies)) : null,
        fpsIn: round(states.reduce((s, x) => s + x.fpsIn, 0) / n),
        fpsProcessed: round(states.reduce((s, x) => s + x.fpsProcessed, 0) / n),
        framesDropped: dropsOf(states) - dropsBefore,
        lagMs: Math.max(...states.map((s) => s.lagMs)),
      };
      levels.push(level);
      log(
        `live: ${n} camera(s) at ${fps} fps: ${level.events} events (${hook.received.length} since the start), p50 ${level.p50Ms} ms, p95 ${level.p95Ms} ms, ` +
          `${level.fpsProcessed}/${level.fpsIn} fps processed/in per camera, ${level.framesDropped} dropped`,
      );
      if (level.p95Ms === null || level.p95Ms > maxP95Ms) break;
    }
    const within = levels.filter((l) => l.p95Ms !== null && l.p95Ms <= maxP95Ms);
    const sustainedCameras = within.length ? Math.max(...within.map((l) => l.cameras)) : 0;
    return {
      name: 'live',
      fps,
      secondsPerLevel,
      maxP95Ms,
      levels,
      sustainedCameras,
      note:
        `RTSP on loopback (UDP), the fixture video looping with ${GAP_S} s of black between loops; latency = frame capture (occurredAt) to webhook received; ` +
        `EVENT_DEDUP_SECONDS ${DEDUP_S}, so about one watchlist event per camera per loop; ${sustainedCameras} camera(s) at ${fps} fps within p95 ${maxP95Ms} ms`,
    };
  } finally {
    await bench.close();
    await source.kill();
    if (hook) await new Promise((r) => hook!.server.close(r));
  }
}

function statusOf(api: StoreLensClient, cameras: string[]): Promise<CameraStatus[]> {
  return Promise.all(cameras.map((c) => api.request<CameraStatus>('GET', `/v1/cameras/${c}/status`)));
}

const dropsOf = (states: CameraStatus[]) => states.reduce((s, x) => s + x.framesDropped, 0);

export function renderLive(row: LiveRow): string {
  const lines = [
    `live: ${row.note}`,
    'cameras | events | p50 ms | p95 ms | max ms | fps processed / in (per camera) | dropped | lag ms',
    ...row.levels.map(
      (l) =>
        `${l.cameras} | ${l.events} | ${l.p50Ms ?? '-'} | ${l.p95Ms ?? '-'} | ${l.maxMs ?? '-'} | ` +
        `${l.fpsProcessed} / ${l.fpsIn} | ${l.framesDropped} | ${l.lagMs}`,
    ),
  ];
  return lines.join('\n');
}
