import http from 'node:http';

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
