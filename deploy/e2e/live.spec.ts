/**
 * Live cameras and pushed events end to end: the whole stack (two ingest replicas) as processes, a real RTSP
 * source on loopback playing the fixture video, webhook receivers and SSE clients, through the public API.
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { TenantRepository } from '@storelens/db';
import { verifyWebhook } from '@storelens/events';
import { ManagedStack, RtspSource } from '@storelens/stack';
import { createTestEnvironment, type TestEnvironment } from '@storelens/test-environment';
import { fixtures, htmlServer, waitFor, WebhookReceiver } from '@storelens/testing';
import { SseReader } from '@storelens/cli';
import { ApiError, StoreLensClient } from '@storelens/api-client';

jest.setTimeout(2_400_000);

// its own ports: the platform suite may run beside it on E2E_BASE_PORT
const BASE = Number(process.env.E2E_BASE_PORT ?? 18080) + 2000;
// helper ports sit above the stack's (the stack uses BASE .. BASE+106)
const P = {
  rtsp: BASE + 521,
  rtspAuth: BASE + 531,
  rtspTcp: BASE + 535,
  html: BASE + 541,
  hookA: BASE + 551,
  flaky: BASE + 552,
  dead: BASE + 553,
};
const CLIP = fixtures.file('video/hamilton_clip.mp4');

interface LiveStatus {
  state: string;
  since: string;
  lastFrameAt: string | null;
  fpsIn: number;
  fpsProcessed: number;
  framesDropped: number;
  lagMs: number;
  error: string | null;
  transport: string | null;
}
interface Delivery {
  eventId: string;
  status: string;
  tries: number;
  lastStatus: number | null;
  lastError: string | null;
}
interface WireEvent {
  id: string;
  type: string;
  occurredAt: string;
  data: Record<string, any>;
}

describe('live cameras and pushed events', () => {
  let env: TestEnvironment;
  let stack: ManagedStack;
  let redis: Redis;
  let a: StoreLensClient;
  let b: StoreLensClient;
  let keyA: string;
  let keyB: string;
  const secretKey = randomBytes(32).toString('base64');
  const source = new RtspSource({ file: CLIP, port: P.rtsp, rtpPort: P.rtsp + 1000 });
  const authSource = new RtspSource({
    file: CLIP,
    port: P.rtspAuth,
    rtpPort: P.rtspAuth + 1100,
    user: 'admin',
    password: 'right-password',
  });
  // a camera that speaks RTSP over TCP only (interleaved), as many NVRs: GStreamer's server refusing UDP
  const tcpSource = new RtspSource({ file: CLIP, port: P.rtspTcp, transport: 'tcp' });
  const hookSecret = 'a-receiver-secret-of-enough-length';
  const receiverA = new WebhookReceiver(P.hookA);
  const flaky = new WebhookReceiver(P.flaky, (_, n) => (n === 1 ? 500 : 200));
  const dead = new WebhookReceiver(P.dead, () => 'hang');
  let html: http.Server;
  let sseA: SseReader;
  let sseB: SseReader;
  const ids: Record<string, string> = {};
  const started = Date.now();

  const eventsAt = (r: WebhookReceiver, type: string) =>
    r.received.map((x) => JSON.parse(x.body) as WireEvent).filter((e) => e.type === type);
  const sseEvents = (s: SseReader, type: string) =>
    s.messages.filter((m) => m.event === type).map((m) => JSON.parse(m.data) as WireEvent);
  const status = (client: StoreLensClient, cameraId: string) =>
    client.request<LiveStatus>('GET', `/v1/cameras/${cameraId}/status`);
  const waitState = (client: StoreLensClient, cameraId: string, states: string[], timeoutMs = 300_000) =>
    waitFor(
      async () => {
        const s = await status(client, cameraId).catch(() => undefined);
        return s && states.includes(s.state) ? s : undefined;
      },
      { timeoutMs, intervalMs: 500, what: `camera ${cameraId} in ${states.join('|')}` },
    );
  const enrol = async (
    client: StoreLensClient,
    name: string,
    category: 'member' | 'watchlist',
    externalRef?: string,
  ) => {
    const { id } = await client.createIdentity({ name, category, ...(externalRef ? { externalRef } : {}) });
    const media = await client.waitForMedia(
      (await client.enrolFace(id, fixtures.file('faces/lin_manuel_miranda/lin-manuel-miranda.png'))).id,
    );
    expect(media.status).toBe('done');
    return id;
  };

  beforeAll(async () => {
    env = await createTestEnvironment({
      name: 'live',
      env: {
        STORELENS_SECRET_KEY: secretKey,
        EVENT_DEDUP_SECONDS: '3600',
        LIVE_RECONNECT_MAX_MS: '3000',
        LIVE_OPEN_TIMEOUT_MS: '8000',
        WEBHOOK_TIMEOUT_MS: '3000',
        WORKER_LOCK_MS: '6000',
        // each watcher's connections (transport, frames, why they ended) land in the logs under /tmp/live-*/logs
        STORELENS_LOG_LEVEL: 'info',
      },
    });
    const tenants = new TenantRepository(env.dataSource);
    const tA = await tenants.create('Chain A');
    const tB = await tenants.create('Chain B');
    keyA = (await tenants.issueApiKey(tA.id, 'live')).key;
    keyB = (await tenants.issueApiKey(tB.id, 'live')).key;
    redis = new Redis(env.config.redis.url);
    stack = new ManagedStack(
      { basePort: BASE, env: env.env, replicas: { ingest: 2 }, startTimeoutMs: 1_200_000 },
      path.join(mkdtempSync(path.join(tmpdir(), 'live-')), 'logs'),
    );
    await Promise.all([stack.start(), source.start(), receiverA.start(), flaky.start(), dead.start()]);
    html = await htmlServer(P.html);
    const anon = new StoreLensClient(stack.baseUrl);
    a = anon.withKey(keyA);
    b = anon.withKey(keyB);
    ids.storeA = (await a.createStore('Berlin Mitte')).id;
    ids.storeB = (await b.createStore('Paris')).id;
    await enrol(a, 'Lin-Manuel Miranda', 'watchlist');
    await enrol(b, 'Lin-Manuel Miranda', 'member', 'loyalty-4711');
  });

  afterAll(async () => {
    await sseA?.close();
    await sseB?.close();
    await Promise.all([
      source.kill(),
      authSource.kill(),
      tcpSource.kill(),
      receiverA.close(),
      flaky.close(),
      dead.close(),
    ]);
    if (html) await new Promise((r) => html.close(r));
    await stack?.stop();
    redis?.disconnect();
    await env?.close();
    process.stdout.write(`live suite: ${Math.round((Date.now() - started) / 1000)} s\n`);
  });

  it('refuses webhook targets that are not http(s) or are denied, and returns a generated secret once', async () => {
    for (const url of ['ftp://127.0.0.1/x', 'file:///etc/passwd', 'http://169.254.169.254/latest/meta-data', 'nope']) {
      await expect(a.request('POST', '/v1/webhooks', { url, events: ['watchlist.sighted'] })).rejects.toMatchObject({
        status: 400,
      });
    }
    await expect(a.request('POST', '/v1/webhooks', { url: receiverA.url, events: ['no.such'] })).rejects.toMatchObject({
      status: 400,
    });
    const generated = await a.request<{ id: string; secret: string }>('POST', '/v1/webhooks', {
      url: `${flaky.url}?generated`,
      events: ['visit.ended'],
    });
    expect(generated.secret).toMatch(/^whsec_/);
    const listed = await a.request<Record<string, unknown>[]>('GET', '/v1/webhooks');
    expect(JSON.stringify(listed)).not.toContain(generated.secret);
    await a.request('DELETE', `/v1/webhooks/${generated.id}`);
    await expect(b.request('DELETE', `/v1/webhooks/${generated.id}`)).rejects.toMatchObject({ status: 404 });
  });

  it('goes live and pushes exactly one signed watchlist.sighted, by webhook and by SSE, without waiting on a dead receiver', async () => {
    ids.hookA = (
      await a.request<{ id: string }>('POST', '/v1/webhooks', {
        url: receiverA.url,
        events: ['watchlist.sighted', 'member.arrived', 'camera.offline', 'camera.online'],
        secret: hookSecret,
      })
    ).id;
    const flakyHook = await a.request<{ id: string; secret: string }>('POST', '/v1/webhooks', {
      url: flaky.url,
      events: ['watchlist.sighted'],
    });
    ids.flaky = flakyHook.id;
    ids.dead = (
      await a.request<{ id: string }>('POST', '/v1/webhooks', { url: dead.url, events: ['watchlist.sighted'] })
    ).id;
    sseA = new SseReader(`${stack.baseUrl}/v1/events`, { authorization: `Bearer ${keyA}` });
    expect(await sseA.open()).toBe(200);

    ids.cam = (
      await a.createCamera(ids.storeA, { name: 'Entrance', role: 'entrance', fps: 1, streamUrl: source.url } as never)
    ).id;
    const cameras = await a.request<Record<string, unknown>[]>('GET', `/v1/stores/${ids.storeA}/cameras`);
    expect(cameras[0]).toMatchObject({ streamUrl: source.url, liveEnabled: true, streamTransport: 'auto' });
    const live = await waitState(a, ids.cam, ['live']);
    expect(live.transport).toBe('udp'); // this server answers 461 to TCP; auto fell back to UDP

    const [sighted] = await waitFor(
      () => eventsAt(receiverA, 'watchlist.sighted').length > 0 && eventsAt(receiverA, 'watchlist.sighted'),
      {
        timeoutMs: 180_000,
        intervalMs: 250,
        what: 'watchlist.sighted webhook',
      },
    );
    // at the moment it arrived, the receiver that never answers still held its delivery of the same event
    const deadDeliveries = await a.request<Delivery[]>('GET', `/v1/webhooks/${ids.dead}/deliveries`);
    expect(deadDeliveries.find((d) => d.eventId === sighted!.id)?.status).toBe('pending');

    const request = receiverA.received.find((r) => (JSON.parse(r.body) as WireEvent).type === 'watchlist.sighted')!;
    const signature = String(request.headers['x-storelens-signature']);
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhook(hookSecret, request.body, signature)).toBe(true);
    expect(verifyWebhook('another-secret-entirely', request.body, signature)).toBe(false);
    expect(sighted).toMatchObject({
      type: 'watchlist.sighted',
      data: {
        identity: { name: 'Lin-Manuel Miranda', category: 'watchlist', externalRef: null },
        camera: { id: ids.cam, name: 'Entrance' },
        store: { id: ids.storeA, name: 'Berlin Mitte' },
        trackId: null,
      },
    });
    expect(sighted!.data.similarity).toBeGreaterThan(0.42);
    const annotated = await fetch(sighted!.data.annotatedUrl as string);
    expect(annotated.status).toBe(200);

    await waitFor(() => sseEvents(sseA, 'watchlist.sighted').length > 0, { timeoutMs: 30_000, what: 'SSE sighting' });
    expect(sseEvents(sseA, 'watchlist.sighted')[0]!.id).toBe(sighted!.id);

    // the receiver that answered 500 first got it on the retry, logged with its tries
    const flakyDelivery = await waitFor(
      async () => {
        const [d] = await a.request<Delivery[]>('GET', `/v1/webhooks/${ids.flaky}/deliveries`);
        return d?.status === 'delivered' ? d : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500, what: 'flaky delivery' },
    );
    expect(flakyDelivery).toMatchObject({ eventId: sighted!.id, tries: 2, lastStatus: 200 });
    expect(flaky.received).toHaveLength(2);
    expect(
      verifyWebhook(
        flakyHook.secret,
        flaky.received[1]!.body,
        String(flaky.received[1]!.headers['x-storelens-signature']),
      ),
    ).toBe(true);
    // the dead receiver's tries time out and are logged; nothing else waited for them
    const deadLog = await waitFor(
      async () => {
        const [d] = await a.request<Delivery[]>('GET', `/v1/webhooks/${ids.dead}/deliveries`);
        return d && d.tries >= 1 ? d : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500, what: 'dead receiver try logged' },
    );
    expect(deadLog.lastError).toMatch(/no answer within 3000 ms/);
  });

  it('announces a member with the externalRef to its own tenant only', async () => {
    sseB = new SseReader(`${stack.baseUrl}/v1/events?types=member.arrived`, { authorization: `Bearer ${keyB}` });
    expect(await sseB.open()).toBe(200);
    ids.camB = (await b.createCamera(ids.storeB, { name: 'Door', fps: 1, streamUrl: source.url } as never)).id;
    await waitFor(() => sseEvents(sseB, 'member.arrived').length > 0, {
      timeoutMs: 400_000,
      intervalMs: 250,
      what: 'member.arrived',
    });
    const [arrived] = sseEvents(sseB, 'member.arrived');
    expect(arrived!.data).toMatchObject({
      identity: { name: 'Lin-Manuel Miranda', category: 'member', externalRef: 'loyalty-4711' },
      camera: { id: ids.camB },
      store: { id: ids.storeB, name: 'Paris' },
    });
    expect(eventsAt(receiverA, 'member.arrived')).toEqual([]); // A's webhook never hears B's events
    expect(sseA.messages.every((m) => !m.data.includes(ids.camB!))).toBe(true);
    await b.request('POST', `/v1/cameras/${ids.camB}/stop`);
    expect((await waitState(b, ids.camB, ['stopped'], 30_000)).state).toBe('stopped');
    await expect(a.request('GET', `/v1/cameras/${ids.camB}/status`)).rejects.toMatchObject({ status: 404 });
  });

  it('resumes the event stream after Last-Event-ID', async () => {
    const all = [...sseA.messages];
    expect(all.length).toBeGreaterThanOrEqual(2); // camera.online, watchlist.sighted
    const resumed = new SseReader(`${stack.baseUrl}/v1/events`, {
      authorization: `Bearer ${keyA}`,
      'last-event-id': all[0]!.id,
    });
    expect(await resumed.open()).toBe(200);
    await waitFor(() => resumed.messages.length >= all.length - 1, { timeoutMs: 15_000, what: 'resumed events' });
    expect(resumed.messages.map((m) => m.id).slice(0, all.length - 1)).toEqual(all.slice(1).map((m) => m.id));
    await resumed.close();
    const filtered = new SseReader(`${stack.baseUrl}/v1/events?types=bogus`, { authorization: `Bearer ${keyA}` });
    expect(await filtered.open()).toBe(400);
  });

  it('answers bad stream URLs with a 400 or a failed state with the reason, and the other camera keeps running', async () => {
    for (const streamUrl of [
      'file:///etc/passwd',
      'ftp://127.0.0.1/cam',
      'http://169.254.169.254/latest',
      'concat:a|b',
      'nope',
    ]) {
      const res = await a.createCamera(ids.storeA, { name: 'bad', streamUrl } as never).then(
        () => 201,
        (e: ApiError) => e.status,
      );
      expect({ streamUrl, status: res }).toEqual({ streamUrl, status: 400 });
    }
    await authSource.start();
    const bad = {
      refused: `rtsp://127.0.0.1:${P.rtsp + 7}/cam`,
      html: `http://127.0.0.1:${P.html}/live`,
      credentials: `rtsp://admin:wrong-password@127.0.0.1:${P.rtspAuth}/cam`,
    };
    const cams: Record<string, string> = {};
    for (const [name, streamUrl] of Object.entries(bad)) {
      cams[name] = (await a.createCamera(ids.storeA, { name, fps: 1, streamUrl } as never)).id;
    }
    const reasons: Record<string, string> = {};
    for (const [name, id] of Object.entries(cams)) {
      const s = await waitState(a, id, ['failed'], 300_000);
      reasons[name] = s.error ?? '';
      await a.request('POST', `/v1/cameras/${id}/stop`);
    }
    expect(reasons.refused).toMatch(/refused/i);
    expect(reasons.html).toMatch(/invalid data|no video|not video/i);
    expect(reasons.credentials).toMatch(/401|unauthori[sz]ed/i);
    expect(JSON.stringify(reasons)).not.toContain('wrong-password');
    const listed = await a.request<{ streamUrl: string | null }[]>('GET', `/v1/stores/${ids.storeA}/cameras`);
    expect(JSON.stringify(listed)).not.toContain('wrong-password');
    const main = await status(a, ids.cam);
    expect(main.state).toBe('live');
    expect(Date.now() - Date.parse(main.lastFrameAt!)).toBeLessThan(30_000);
    await authSource.kill();
  });

  it('reads a camera that refuses UDP over interleaved TCP, and stops it on request', async () => {
    await tcpSource.start();
    const { id } = await a.createCamera(ids.storeA, { name: 'NVR', fps: 2, streamUrl: tcpSource.url } as never);
    const since = Date.now();
    const live = await waitState(a, id, ['live'], 300_000);
    expect(live.transport).toBe('tcp');
    // frames arrive and go down the pipeline: the camera's media fills with frames
    await waitFor(
      async () => {
        const s = await status(a, id);
        return s.lastFrameAt !== null && Date.parse(s.lastFrameAt) > since && s.fpsIn > 0;
      },
      { timeoutMs: 120_000, intervalMs: 500, what: 'frames over TCP' },
    );
    await a.request('POST', `/v1/cameras/${id}/stop`);
    await waitState(a, id, ['stopped', 'offline'], 60_000);
    await tcpSource.kill();
  });

  // The holder may be any ingest process, ingest#0 included: the status is asked through the gateway, which then
  // has to reach the camera's status through the other API replica.
  it('hands the camera to another ingest process when the one holding it is SIGKILLed', async () => {
    const leaseKey = `${env.env.QUEUE_PREFIX}:live:lease:${ids.cam}`;
    const holder = (await redis.get(leaseKey))!;
    const pid = Number(holder.split(':')[1]);
    // every ingest process watches cameras (the API replicas and the worker alike), sharing them by lease
    const ingests = [stack.process('ingest', 0), stack.process('ingest', 1), stack.process('ingest-worker', 0)];
    const victim = ingests.find((p) => p.child?.pid === pid)!;
    expect(victim).toBeDefined();
    const others = ingests.filter((p) => p !== victim).map((p) => p.child!.pid);
    const killedAt = Date.now();
    await victim.kill('SIGKILL');
    await waitFor(
      async () => {
        const h = await redis.get(leaseKey);
        return h !== null && others.includes(Number(h.split(':')[1]));
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'lease taken over' },
    );
    const taken = Date.now() - killedAt;
    await waitFor(
      async () => {
        const s = await status(a, ids.cam).catch(() => undefined);
        return s?.state === 'live' && s.lastFrameAt !== null && Date.parse(s.lastFrameAt) > killedAt;
      },
      { timeoutMs: 180_000, intervalMs: 500, what: 'frames from the new holder' },
    );
    process.stdout.write(
      `takeover from ${victim.name}: lease after ${taken} ms, live frames after ${Date.now() - killedAt} ms; status ${JSON.stringify(await status(a, ids.cam))}\n`,
    );
    // still exactly one sighting event of this camera for the whole run, across reconnects and the takeover (the
    // TCP camera sees the same person: its own event)
    const ofCamera = (events: WireEvent[]) => events.filter((e) => e.data.camera?.id === ids.cam);
    expect(ofCamera(eventsAt(receiverA, 'watchlist.sighted'))).toHaveLength(1);
    expect(ofCamera(sseEvents(sseA, 'watchlist.sighted'))).toHaveLength(1);
  });

  it('reports a killed RTSP server as reconnecting with camera.offline, and goes live again when it is back', async () => {
    // other cameras of the suite (the bad URLs) went offline before: count this camera's own events
    const ofCam = (events: WireEvent[]) => events.filter((e) => e.data.camera?.id === ids.cam);
    const offlineBefore = ofCam(eventsAt(receiverA, 'camera.offline')).length;
    const onlineBefore = ofCam(eventsAt(receiverA, 'camera.online')).length;
    expect(onlineBefore).toBeGreaterThan(0);
    await source.kill();
    const down = await waitState(a, ids.cam, ['reconnecting', 'offline'], 120_000);
    expect(down.error).toBeTruthy();
    await waitFor(() => ofCam(eventsAt(receiverA, 'camera.offline')).length > offlineBefore, {
      timeoutMs: 30_000,
      what: 'camera.offline of the killed camera',
    });
    expect(ofCam(eventsAt(receiverA, 'camera.offline'))).toHaveLength(offlineBefore + 1); // once per change
    await waitFor(() => ofCam(sseEvents(sseA, 'camera.offline')).length > 0, {
      timeoutMs: 15_000,
      what: 'SSE camera.offline',
    });

    const backAt = Date.now();
    await source.start();
    const up = await waitState(a, ids.cam, ['live'], 300_000);
    await waitFor(
      async () => {
        const s = await status(a, ids.cam);
        return s.lastFrameAt !== null && Date.parse(s.lastFrameAt) > backAt;
      },
      { timeoutMs: 180_000, intervalMs: 500, what: 'frames after the restart' },
    );
    expect(up.error).toBeNull();
    await waitFor(() => ofCam(eventsAt(receiverA, 'camera.online')).length > onlineBefore, {
      timeoutMs: 30_000,
      what: 'camera.online again',
    });
    expect(ofCam(eventsAt(receiverA, 'camera.online'))).toHaveLength(onlineBefore + 1);
  });
});
