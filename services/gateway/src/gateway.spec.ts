import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '@storelens/testing';
import { createGateway, upstreamOf } from './gateway';
import { UpstreamPool } from './upstream-pool';

// services/gateway/src/gateway.ts in front of two small local HTTP servers standing in for ingest and analytics.

interface Seen {
  upstream: string;
  method: string;
  url: string;
  authorization?: string;
  forwardedFor?: string;
  bytes: number;
  sha256: string;
}

/** A stand-in service: reports what it received; /health answers ok; /slow streams its answer in two parts. */
function fakeService(name: string) {
  const state = { receiving: 0, releaseSlow: () => undefined as void };
  const server = http.createServer((req, res) => {
    if (req.url === '/health') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify({ status: 'ok', service: name, checks: { database: 'ok' } }));
    }
    if (req.url === '/v1/frames/slow') {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      res.write('first part;');
      state.releaseSlow = () => res.end('second part');
      return;
    }
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      state.receiving = bytes;
      hash.update(chunk);
    });
    req.on('end', () => {
      const seen: Seen = {
        upstream: name,
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
        forwardedFor: req.headers['x-forwarded-for'] as string | undefined,
        bytes,
        sha256: hash.digest('hex'),
      };
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(seen));
    });
  });
  return { server, state };
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function closedPortUrl(): Promise<string> {
  const s = http.createServer();
  const url = await listen(s);
  await new Promise((r) => s.close(r));
  return url;
}

const ingest = fakeService('ingest');
const analytics = fakeService('analytics');
let gateway: http.Server;
let broken: http.Server;
let base: string;
let brokenBase: string;

beforeAll(async () => {
  const [ingestUrl, analyticsUrl] = [await listen(ingest.server), await listen(analytics.server)];
  gateway = createGateway({ ingestUrls: [ingestUrl], analyticsUrls: [analyticsUrl] });
  base = await listen(gateway);
  broken = createGateway({
    ingestUrls: [ingestUrl],
    analyticsUrls: [await closedPortUrl()],
    healthTimeoutMs: 500,
  });
  brokenBase = await listen(broken);
});

afterAll(async () => {
  analytics.state.releaseSlow();
  for (const s of [gateway, broken, ingest.server, analytics.server]) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

describe('gateway routing table', () => {
  it.each([
    ['GET', '/v1/media', 'analytics'],
    ['GET', '/v1/media?limit=10', 'analytics'],
    ['GET', '/v1/media/3b7c/', 'analytics'],
    ['POST', '/v1/media', 'ingest'],
    ['GET', '/v1/mediafiles', 'ingest'],
    ['GET', '/v1/frames/abc/annotated.jpg?t=1&sig=x', 'analytics'],
    ['GET', '/v1/analytics/visits', 'analytics'],
    ['GET', '/v1/alerts', 'analytics'],
    ['GET', '/v1/alerts?since=2026-01-01', 'analytics'],
    ['GET', '/v1/alertsx', 'ingest'],
    ['GET', '/docs/analytics', 'analytics'],
    ['GET', '/docs/analytics/openapi.json', 'analytics'],
    ['GET', '/docs/ingest', 'ingest'],
    ['POST', '/v1/cameras/abc/media', 'ingest'],
    ['GET', '/v1/stores', 'ingest'],
    ['DELETE', '/v1/identities/abc', 'ingest'],
    ['GET', '/admin/queues', 'analytics'],
    ['PUT', '/admin/queues/api/queues/detection/retry/failed', 'analytics'],
    ['GET', '/admin/queuesx', null],
    ['GET', '/admin', null],
    ['GET', '/metrics', null],
    ['GET', '/etc/passwd', null],
  ])('%s %s -> %s', (method, url, expected) => {
    expect(upstreamOf(method, url)).toBe(expected);
  });
});

describe('gateway in front of two services', () => {
  it('forwards each request to its service with path, query and Authorization intact', async () => {
    for (const [method, url, upstream] of [
      ['GET', '/v1/media/123?x=1', 'analytics'],
      ['GET', '/v1/stores', 'ingest'],
      ['POST', '/v1/stores', 'ingest'],
      ['GET', '/v1/alerts', 'analytics'],
      ['GET', '/docs/analytics/openapi.json', 'analytics'],
    ] as const) {
      const res = await fetch(base + url, { method, headers: { Authorization: 'Bearer slk_key' } });
      expect(res.status).toBe(200);
      const seen = (await res.json()) as Seen;
      expect(seen).toMatchObject({ upstream, method, url, authorization: 'Bearer slk_key' });
      expect(seen.forwardedFor).toMatch(/127\.0\.0\.1/);
    }
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
  });

  it('streams a multi-MB upload: the service receives the start before the client has sent the end', async () => {
    const body = randomBytes(8 * 2 ** 20);
    ingest.state.receiving = 0;
    const answer = new Promise<Seen>((resolve, reject) => {
      const req = http.request(`${base}/v1/cameras/abc/media`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length },
      });
      req.on('error', reject);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString())));
      });
      req.write(body.subarray(0, 2 ** 20));
      // only once the first MiB has reached the service does the client send the rest
      void waitFor(() => ingest.state.receiving > 0, { what: 'the first bytes at the service' }).then(
        () => req.end(body.subarray(2 ** 20)),
        reject,
      );
    });
    const seen = await answer;
    expect(seen).toMatchObject({ upstream: 'ingest', bytes: body.length });
    expect(seen.sha256).toBe(createHash('sha256').update(body).digest('hex'));
  });

  it('streams a response: the client gets the first part while the service is still writing', async () => {
    const res = await fetch(`${base}/v1/frames/slow`);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(Buffer.from(first.value!).toString()).toBe('first part;');
    analytics.state.releaseSlow();
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += Buffer.from(r.value).toString();
    expect(rest).toBe('second part');
  });

  it('answers 502 with the reason when a service is down', async () => {
    const res = await fetch(`${brokenBase}/v1/analytics/visits`);
    expect(res.status).toBe(502);
    const body = (await res.json()) as { message: string };
    expect(body).toMatchObject({ statusCode: 502, error: 'Bad Gateway' });
    expect(body.message).toMatch(/^analytics is unreachable at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED$/);
    // the other service is still reachable through the same gateway
    expect((await fetch(`${brokenBase}/v1/stores`)).status).toBe(200);
  });

  it('reports both services in /health: 200 when both are ok, 503 naming the one that is down', async () => {
    const ok = await fetch(`${base}/health`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      status: 'ok',
      service: 'gateway',
      upstreams: { ingest: { status: 'ok', service: 'ingest' }, analytics: { status: 'ok', service: 'analytics' } },
    });
    const degraded = await fetch(`${brokenBase}/health`);
    expect(degraded.status).toBe(503);
    const body = (await degraded.json()) as any;
    expect(body).toMatchObject({
      status: 'degraded',
      upstreams: { ingest: { status: 'ok' }, analytics: { status: 'down' } },
    });
    expect(body.upstreams.analytics.error).toMatch(/ECONNREFUSED/);
  });

  it('serves the dashboard at the root, its own files under /dashboard/, and a page linking both API docs at /api', async () => {
    const res = await fetch(`${base}/`);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    const html = await res.text();
    for (const file of [
      '/dashboard/app.js',
      '/dashboard/app.css',
      '/dashboard/echarts.min.js',
      '/dashboard/icon.svg',
    ]) {
      expect(html).toContain(`"${file}"`);
      expect({ file, status: (await fetch(`${base}${file}`)).status }).toEqual({ file, status: 200 });
    }
    expect((await fetch(`${base}/dashboard/icon.svg`)).headers.get('content-type')).toBe('image/svg+xml');
    expect((await fetch(`${base}/dashboard/nothing.js`)).status).toBe(404);
    // an API client asking for JSON gets the list of docs
    const json = await fetch(`${base}/`, { headers: { Accept: 'application/json' } });
    expect(await json.json()).toMatchObject({ health: '/health' });
    const api = await (await fetch(`${base}/api`)).text();
    expect(api).toContain('href="/docs/ingest"');
    expect(api).toContain('href="/docs/analytics"');
  });
});

describe('gateway connections to the services', () => {
  // a service that counts the connections it is sent, and can drop a kept connection as the next request arrives
  const requestsOn = new WeakMap<object, number>();
  let connections = 0;
  let dropReused = false;
  const service = http.createServer((req, res) => {
    const n = (requestsOn.get(req.socket) ?? 0) + 1;
    requestsOn.set(req.socket, n);
    // what a service whose keep-alive timeout ran out does to a request already on its way: the connection closes
    if (dropReused && n > 1) return req.socket.destroy();
    req.resume();
    req.on('end', () => res.end(JSON.stringify({ n })));
  });
  service.on('connection', () => connections++);
  let gw: http.Server;
  let gwBase: string;

  beforeAll(async () => {
    gw = createGateway({ ingestUrls: [await listen(service)], analyticsUrls: [await closedPortUrl()] });
    gwBase = await listen(gw);
  });

  afterAll(async () => {
    for (const s of [gw, service]) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });

  it('sends one request after another over one kept connection', async () => {
    connections = 0;
    for (let i = 0; i < 3; i++) {
      expect((await fetch(`${gwBase}/v1/stores`)).status).toBe(200);
      expect((await fetch(`${gwBase}/v1/stores`, { method: 'POST', body: '{"name":"x"}' })).status).toBe(200);
    }
    expect(connections).toBe(1);
  });

  it('sends a request without a body again when the kept connection it went out on was closed; one with a body answers 502', async () => {
    expect((await fetch(`${gwBase}/v1/stores`)).status).toBe(200); // a connection is kept
    dropReused = true;
    try {
      connections = 0;
      const res = await fetch(`${gwBase}/v1/stores`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ n: 1 }); // answered on a new connection
      expect(connections).toBe(1);
      const post = await fetch(`${gwBase}/v1/stores`, { method: 'POST', body: '{"name":"x"}' });
      expect(post.status).toBe(502);
      expect(((await post.json()) as { message: string }).message).toMatch(/ECONNRESET/);
    } finally {
      dropReused = false;
    }
  });
});

describe('upstream pool', () => {
  it('takes the replicas in turn', () => {
    const pool = new UpstreamPool(['a', 'b', 'c']);
    expect([pool.order()[0], pool.order()[0], pool.order()[0], pool.order()[0]]).toEqual(['a', 'b', 'c', 'a']);
    expect(pool.order()).toEqual(['b', 'c', 'a']);
  });

  it('passes over a replica that refused a connection until downForMs has gone by, then takes it again', () => {
    const pool = new UpstreamPool(['a', 'b'], 5000);
    pool.markDown('a', 1000);
    expect(pool.order(1001)).toEqual(['b', 'a']);
    expect(pool.order(5999)).toEqual(['b', 'a']);
    expect(pool.order(6000)).toEqual(['a', 'b']);
  });

  it('still tries every replica when all are down, the one that failed longest ago first', () => {
    const pool = new UpstreamPool(['a', 'b', 'c'], 5000);
    pool.markDown('c', 1000);
    pool.markDown('a', 2000);
    pool.markDown('b', 3000);
    expect(pool.order(3001)).toEqual(['c', 'a', 'b']);
  });

  it('refuses an empty list', () => {
    expect(() => new UpstreamPool([])).toThrow(/at least one/);
  });
});

describe('gateway in front of replicas', () => {
  const a = fakeService('ingest-a');
  const b = fakeService('ingest-b');
  const servers: http.Server[] = [];
  let urlA: string;
  let urlB: string;

  const start = async (urls: string[], downForMs = 60_000) => {
    const g = createGateway({ ingestUrls: urls, analyticsUrls: [urlA], healthTimeoutMs: 500, downForMs });
    servers.push(g);
    return listen(g);
  };
  const get = async (gw: string, path = '/v1/stores') => {
    const res = await fetch(gw + path);
    return { status: res.status, body: (await res.json()) as Seen & { message?: string } };
  };
  const post = async (gw: string) => {
    const res = await fetch(`${gw}/v1/stores`, { method: 'POST', body: '{"name":"x"}' });
    return { status: res.status, body: (await res.json()) as Seen & { message?: string } };
  };

  beforeAll(async () => {
    [urlA, urlB] = [await listen(a.server), await listen(b.server)];
  });

  afterAll(async () => {
    for (const s of [...servers, a.server, b.server]) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });

  it('spreads requests over the replicas in turn', async () => {
    const gw = await start([urlA, urlB]);
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push((await get(gw)).body.upstream);
    expect(seen).toEqual(['ingest-a', 'ingest-b', 'ingest-a', 'ingest-b']);
  });

  it('keeps answering when a replica is dead: requests without a body go on to a live one', async () => {
    const dead = await closedPortUrl();
    const gw = await start([dead, urlA]);
    for (let i = 0; i < 4; i++) {
      const { status, body } = await get(gw, `/v1/cameras/c${i}/status`);
      expect({ i, status, upstream: body.upstream }).toEqual({ i, status: 200, upstream: 'ingest-a' });
      // sent on as the client sent it: one client address, not one per try
      expect(body.forwardedFor).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
    }
  });

  it('answers 502 to a request with a body that reached a dead replica, and sends the next ones to a live one', async () => {
    const dead = await closedPortUrl();
    const gw = await start([dead, urlA]);
    const first = await post(gw);
    expect(first.status).toBe(502);
    expect(first.body.message).toMatch(/ECONNREFUSED/);
    for (let i = 0; i < 3; i++) expect(await post(gw)).toMatchObject({ status: 200, body: { upstream: 'ingest-a' } });
  });

  it('sends requests to a replica again once it is back, after downForMs', async () => {
    const replica = fakeService('ingest-back');
    const url = await listen(replica.server);
    servers.push(replica.server);
    const port = Number(new URL(url).port);
    await new Promise((r) => replica.server.close(r));
    const gw = await start([url, urlA], 300);
    expect((await get(gw)).body.upstream).toBe('ingest-a'); // the dead one refused; marked down
    await new Promise<void>((resolve) => replica.server.listen(port, '127.0.0.1', resolve));
    await new Promise((r) => setTimeout(r, 350));
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add((await get(gw)).body.upstream);
    expect(seen).toEqual(new Set(['ingest-back', 'ingest-a']));
  });

  it('reports a service as ok while one replica is, with every replica under replicas', async () => {
    const dead = await closedPortUrl();
    const gw = await start([dead, urlB]);
    const res = await fetch(`${gw}/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.upstreams.ingest).toMatchObject({ status: 'ok', service: 'ingest-b' });
    expect(body.upstreams.ingest.replicas).toEqual([
      expect.objectContaining({ url: dead, status: 'down' }),
      expect.objectContaining({ url: urlB, status: 'ok' }),
    ]);
  });
});
