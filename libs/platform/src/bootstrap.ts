import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplication, Type } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { config } from '@storelens/config';
import { enableQueueOperations } from './queue-dashboard';

export interface BootstrapOptions {
  /** the service name: logs, metrics, the OpenAPI path /docs/<name> */
  name: string;
  /** publish OpenAPI docs (HTTP API services) */
  openApi?: { title: string; description: string };
  /** port to listen on; defaults to SERVICE_PORT (0: any free port) */
  port?: number;
  /** serve the queue dashboard (/admin/queues) and the queue gauges in /metrics: one service per deployment */
  queueOperations?: boolean;
}

/**
 * Starts a service: every StoreLens service is a Nest application with an HTTP port (the API for ingest and
 * analytics; health and metrics for the workers). SIGTERM closes it gracefully: workers stop taking jobs and
 * finish the ones running, then connections close.
 */
export async function bootstrapService(module: Type<unknown>, opts: BootstrapOptions): Promise<INestApplication> {
  const app = await NestFactory.create(module, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  if (opts.openApi) {
    const doc = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle(opts.openApi.title)
        .setDescription(opts.openApi.description)
        .setVersion('1')
        .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'a tenant API key (storelens tenant create)' })
        .addSecurityRequirements('bearer')
        .build(),
    );
    SwaggerModule.setup(`docs/${opts.name}`, app, doc, { jsonDocumentUrl: `docs/${opts.name}/openapi.json` });
  }
  if (opts.queueOperations) enableQueueOperations(app);
  const port = opts.port ?? config().service.port;
  await app.listen(port, config().service.host);
  const url = await app.getUrl();
  app.get(Logger).log(`${opts.name} listening on ${url}`);
  // one machine-readable line for the stack scripts and tests that start services
  process.stdout.write(JSON.stringify({ service: opts.name, ready: true, url }) + '\n');
  return app;
}
