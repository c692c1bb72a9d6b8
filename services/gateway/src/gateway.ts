/**
 * The one public base URL of the local stack (API_HOST:API_PORT, default http://127.0.0.1:8080): a reverse proxy
 * in front of the two HTTP services.
 *   npx tsx services/gateway/src/gateway.ts
 *
 *   GET /v1/media, GET /v1/media/:id[/...], /v1/frames/*, /v1/analytics/*, /v1/alerts*, /v1/events*,
 *   /v1/webhooks*, /docs/analytics*                                                                        -> analytics
 *   /admin/queues*  (the operators' queue dashboard)                                                      -> analytics
 *   GET /v1/visits, GET /v1/identities/:id/visits                                                        -> analytics
 *   every other /v1/* and /docs/* (/docs/ingest)                                                           -> ingest
 *   GET /          the dashboard (HTML; its script, style sheet, icon and ECharts under /dashboard/), or for an API client asking for
 *                  JSON the list of API docs
 *   GET /api       a page linking the API docs
 *   GET /health    both upstreams' health, 200 when both are ok (each has a replica that is), else 503
 *
 * Bodies are piped through in both directions, never buffered, so a large upload streams straight to ingest
 * (which enforces the upload limit). An upstream that cannot be reached answers 502 with the reason as JSON.
 * Authentication is the services' business: every request goes through with its Authorization header.
 *
 * Each upstream may have several replicas (INGEST_URL, ANALYTICS_URL: URLs separated by commas): requests take
 * turns over them, and a replica that refuses connections (it died, or is restarting) is passed over for a few
 * seconds. A request without a body that found its replica refusing goes on to the next one, so a dead replica
 * costs a body-less request nothing; a request with a body has given it away and answers 502 instead.
 * Connections to the services are kept open and reused across requests.
 */
import http from 'node:http';
import httpProxy from 'http-proxy';
import { config } from '@storelens/config';
import { dashboardAsset } from '@storelens/dashboard';
import { notConnected, UpstreamPool } from './upstream-pool';

export type Upstream = 'ingest' | 'analytics';

export interface GatewayOptions {
  /** the ingest API's replicas (at least one) */
  ingestUrls: string[];
  /** the analytics API's replicas (at least one) */
  analyticsUrls: string[];
  /** How long /health waits for an upstream's own /health. */
  healthTimeoutMs?: number;
  /** How long a replica that refused a connection is passed over (default 5 s). */
  downForMs?: number;
}

const ANALYTICS_ROUTES: { methods?: readonly string[]; path: RegExp }[] = [
  { methods: ['GET', 'HEAD'], path: /^\/v1\/media(\/|$)/ },
  { path: /^\/v1\/frames(\/|$)/ },
  { path: /^\/v1\/analytics(\/|$)/ },
  { path: /^\/v1\/alerts(\/|$)/ },
  { methods: ['GET', 'HEAD'], path: /^\/v1\/visits(\/|$)/ },
  { methods: ['GET', 'HEAD'], path: /^\/v1\/identities\/[^/]+\/visits\/?$/ },
  { path: /^\/v1\/events(\/|$)/ },
  { path: /^\/v1\/webhooks(\/|$)/ },
  { path: /^\/docs\/analytics/ },
  { path: /^\/admin\/queues(\/|$)/ },
];

/** The service that answers a request, or null for a path outside the API (answered 404 by the gateway). */
export function upstreamOf(method: string, url: string): Upstream | null {
  const path = url.split('?', 1)[0] ?? '';
  const analytics = ANALYTICS_ROUTES.some((r) => r.path.test(path) && (!r.methods || r.methods.includes(method)));
  if (analytics) return 'analytics';
  if (/^\/(v1|docs)(\/|$)/.test(path)) return 'ingest';
  return null;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

/**
 * A dashboard file. The page may be cached only briefly (a new release shows at once); no page of it takes a
 * secret from the URL but the #key= fragment, which browsers never send, and no-referrer keeps links clean.
 */
function sendAsset(res: http.ServerResponse, method: string, path: string): void {
  const asset = dashboardAsset(path);
  if (!asset) return sendJson(res, 404, { statusCode: 404, error: 'Not Found', message: `no route for ${path}` });
  res.writeHead(200, {
    'Content-Type': asset.type,
    'Content-Length': asset.body.length,
    'Cache-Control': path === '/' ? 'no-cache' : 'public, max-age=300',
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
    ...(path === '/'
      ? {
          'Content-Security-Policy':
            "default-src 'self'; img-src 'self' data: blob: http: https:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'",
        }
      : {}),
  });
  res.end(method === 'HEAD' ? undefined : asset.body);
}

async function replicaHealth(url: string, timeoutMs: number): Promise<Record<string, unknown>> {
  try {
    const res = await fetch(new URL('/health', url), { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    // a service's 503 body is Nest's exception wrapper around its health report
    const report = (res.ok ? body : (body.message ?? body)) as Record<string, unknown>;
    return { ...report, status: res.ok ? 'ok' : 'degraded', url };
  } catch (err) {
    // fetch says "fetch failed"; the reason (ECONNREFUSED, a timeout) is in its cause
    const e = err as { message?: unknown; cause?: { code?: unknown; message?: unknown } } | null;
    return { status: 'down', url, error: String(e?.cause?.code ?? e?.cause?.message ?? e?.message ?? err) };
  }
}

/** A service's health: its replica's, or with several the best one's and each replica's under `replicas`. */
async function upstreamHealth(urls: readonly string[], timeoutMs: number): Promise<Record<string, unknown>> {
  const reports = await Promise.all(urls.map((url) => replicaHealth(url, timeoutMs)));
  if (reports.length === 1) return reports[0]!;
  const rank = (r: Record<string, unknown>) => ['ok', 'degraded', 'down'].indexOf(String(r.status));
  const best = reports.reduce((a, b) => (rank(b) < rank(a) ? b : a));
  return { ...best, replicas: reports };
}

/** A request that carries no body (no Content-Length above 0, no chunked body): it can be sent again as it is. */
function bodyless(req: http.IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] === undefined && (length === undefined || Number(length) === 0);
}

const FORWARDED = ['x-forwarded-for', 'x-forwarded-port', 'x-forwarded-proto'] as const;

const rootPage = (docs: { name: string; href: string }[]) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>StoreLens API</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}code{background:#eee;padding:0 .2em}</style>
</head><body>
<h1>StoreLens API</h1>
<p>Every call needs <code>Authorization: Bearer &lt;api key&gt;</code> (create one with
<code>npm run -s storelens -- tenant create &lt;name&gt;</code>).</p>
<ul>
${docs.map((d) => `<li><a href="${d.href}">${d.name}</a> (<a href="${d.href}/openapi.json">OpenAPI JSON</a>)</li>`).join('\n')}
<li><a href="/health">/health</a>: both services</li>
</ul>
</body></html>
`;

/** The gateway as an HTTP server, not yet listening. */
export function createGateway(opts: GatewayOptions): http.Server {
  const pools: Record<Upstream, UpstreamPool> = {
    ingest: new UpstreamPool(opts.ingestUrls, opts.downForMs),
    analytics: new UpstreamPool(opts.analyticsUrls, opts.downForMs),
  };
  const healthTimeoutMs = opts.healthTimeoutMs ?? 2000;
  // Connections to the services are kept open and reused. Without an agent the proxy opened a new connection for
  // every request and asked the service to close it after answering: a TCP handshake and teardown on both ends of
  // every call, the gateway's largest cost under load. Node's agent lets a connection go a second before the
  // service's announced keep-alive timeout, so a reused connection is seldom one the service is closing.
  const agent = new http.Agent({ keepAlive: true, maxFreeSockets: 64 });
  // xfwd: the services see the client's address in X-Forwarded-For
  const proxy = httpProxy.createProxyServer({ xfwd: true, agent });
  // the request each client request last went out as: a reused connection the service had just closed is retried
  const sent = new WeakMap<http.IncomingMessage, http.ClientRequest>();
  proxy.on('proxyReq', (proxyReq, req) => sent.set(req, proxyReq));

  /** Sends the request to the upstream's replicas in turn until one takes it (see the header for which go on). */
  const forward = (req: http.IncomingMessage, res: http.ServerResponse, upstream: Upstream) => {
    const replicas = pools[upstream].order();
    const retryable = bodyless(req);
    // the proxy appends the client's address to these on every try: each try starts from the client's own
    const forwarded = FORWARDED.map((h) => [h, req.headers[h]] as const);
    let tries = 0;
    let resent = false;
    const attempt = (i: number) => {
      const thisTry = ++tries;
      for (const [h, v] of forwarded) {
        if (v === undefined) delete req.headers[h];
        else req.headers[h] = v;
      }
      const target = replicas[i]!;
      proxy.web(req, res, { target }, (err) => {
        if (thisTry !== tries) return; // an earlier try's listener: that try is over
        if (notConnected(err)) pools[upstream].markDown(target);
        // Before the upstream answered: say which one failed and why. After: the response is cut, so cut the socket.
        if (res.headersSent) return res.destroy(err);
        if (notConnected(err) && retryable && i + 1 < replicas.length) return attempt(i + 1);
        // a kept connection the service closed as the request went out on it: the service saw nothing, send it again
        if (retryable && !resent && sent.get(req)?.reusedSocket && (err as NodeJS.ErrnoException).code === 'ECONNRESET') {
          resent = true;
          return attempt(i);
        }
        const reason = (err as NodeJS.ErrnoException).code ?? err.message;
        sendJson(res, 502, {
          statusCode: 502,
          error: 'Bad Gateway',
          message: `${upstream} is unreachable at ${target}: ${reason}`,
        });
      });
    };
    attempt(0);
  };
  const docs = [
    { name: 'Ingest API: stores, cameras, identities, uploads', href: '/docs/ingest' },
    { name: 'Analytics API: media status, frames, visits, alerts', href: '/docs/analytics' },
  ];

  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const path = url.split('?', 1)[0];
    if (path === '/' && (method === 'GET' || method === 'HEAD')) {
      if (
        (req.headers.accept ?? '').includes('application/json') &&
        !(req.headers.accept ?? '').includes('text/html')
      ) {
        return sendJson(res, 200, { docs: docs.map((d) => d.href), health: '/health' });
      }
      return sendAsset(res, method, '/');
    }
    // the dashboard's own files (script, style sheet, icon, ECharts); a path it does not have is a 404 below
    if (path.startsWith('/dashboard/') && dashboardAsset(path) && (method === 'GET' || method === 'HEAD'))
      return sendAsset(res, method, path);
    if (path === '/api' && (method === 'GET' || method === 'HEAD')) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      return res.end(method === 'HEAD' ? undefined : rootPage(docs));
    }
    if (path === '/health' && method === 'GET') {
      void Promise.all([
        upstreamHealth(pools.ingest.urls, healthTimeoutMs),
        upstreamHealth(pools.analytics.urls, healthTimeoutMs),
      ]).then(([ingest, analytics]) => {
        const ok = ingest.status === 'ok' && analytics.status === 'ok';
        sendJson(res, ok ? 200 : 503, {
          status: ok ? 'ok' : 'degraded',
          service: 'gateway',
          upstreams: { ingest, analytics },
        });
      });
      return;
    }
    const upstream = upstreamOf(method, url);
    if (!upstream) return sendJson(res, 404, { statusCode: 404, error: 'Not Found', message: `no route for ${path}` });
    forward(req, res, upstream);
  });
  // Large uploads over slow links: the services bound the size, the gateway should not cut them off at Node's
  // default of 5 minutes for the whole request.
  server.requestTimeout = 30 * 60 * 1000;
  server.on('close', () => {
    proxy.close();
    agent.destroy();
  });
  return server;
}

async function main(): Promise<void> {
  const cfg = config();
  const server = createGateway({ ingestUrls: cfg.service.ingestUrls, analyticsUrls: cfg.service.analyticsUrls });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(cfg.api.port, cfg.api.host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : cfg.api.port;
  const url = `http://${cfg.api.host.includes(':') ? `[${cfg.api.host}]` : cfg.api.host}:${port}`;
  // the same ready line as every service (bootstrapService), for the scripts that start the stack
  process.stdout.write(JSON.stringify({ service: 'gateway', ready: true, url }) + '\n');
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    // requests still streaming get a grace period, then the process goes anyway
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`gateway: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
