import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { cleanupOpenApiDoc } from 'nestjs-zod';
import { Logger } from 'nestjs-pino';
import { repoRoot, type StoreLensConfig } from '@storelens/config';
import { enableQueueOperations } from './queue-dashboard';
import { CONFIG } from './tokens';

/** What an HTTP API's OpenAPI document says about itself. */
export interface OpenApiInfo {
  title: string;
  description: string;
}

/**
 * The OpenAPI document of an application's controllers: the DTOs' zod schemas (nestjs-zod) under Nest's swagger,
 * cleaned up by nestjs-zod for OpenAPI 3.1. The same document is served at /docs/<name> and published as a file
 * (`npm run openapi`), so it must depend on the code only: no instance is needed (an app created with
 * `preview: true` will do).
 */
export function openApiDocument(app: INestApplication, info: OpenApiInfo): OpenAPIObject {
  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setOpenAPIVersion('3.1.0')
      .setTitle(info.title)
      .setDescription(info.description)
      .setVersion('1')
      .addBearerAuth(
        {
          type: 'http',
          scheme: 'bearer',
          // a hint for people and tools; the keys are opaque, not JWTs
          bearerFormat: 'slk_ API key',
          description: 'a tenant API key, `slk_…` (npm run -s storelens -- tenant create <name>)',
        },
        'bearer',
      )
      .addSecurityRequirements('bearer')
      .build(),
  );
  return cleanupOpenApiDoc(doc);
}

/** The OpenAPI document of a module's controllers, built without starting anything (no database, queue or store). */
export async function previewOpenApiDocument(
  module: Type<unknown> | DynamicModule,
  info: OpenApiInfo,
): Promise<OpenAPIObject> {
  // preview: the module graph is scanned, no provider is instantiated, so no connection is opened
  const app = await NestFactory.create(module, { preview: true, logger: false, abortOnError: false });
  try {
    return openApiDocument(app, info);
  } finally {
    await app.close();
  }
}

/** Where the published OpenAPI document of an API lives in the repository (the typed client is generated from it). */
export function publishedOpenApiFile(api: string): string {
  return path.join(repoRoot(), 'libs/api-client/openapi', `${api}.json`);
}

/** The published form of a document: stable JSON, two-space indented, with a final newline. */
export function openApiJson(doc: OpenAPIObject): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** `npm run openapi`: writes an API's document to its published file. */
export async function publishOpenApi(api: string, build: () => Promise<OpenAPIObject>): Promise<void> {
  const file = publishedOpenApiFile(api);
  await writeFile(file, openApiJson(await build()));
  process.stdout.write(`wrote ${path.relative(repoRoot(), file)}\n`);
}

export interface BootstrapOptions {
  /** the service name: logs, metrics, the OpenAPI path /docs/<name> */
  name: string;
  /** publish OpenAPI docs (HTTP API services) */
  openApi?: OpenApiInfo;
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
    const doc = openApiDocument(app, opts.openApi);
    SwaggerModule.setup(`docs/${opts.name}`, app, doc, { jsonDocumentUrl: `docs/${opts.name}/openapi.json` });
  }
  if (opts.queueOperations) enableQueueOperations(app);
  const cfg = app.get<StoreLensConfig>(CONFIG);
  const port = opts.port ?? cfg.service.port;
  await app.listen(port, cfg.service.host);
  const url = await app.getUrl();
  app.get(Logger).log(`${opts.name} listening on ${url}`);
  // one machine-readable line for the stack scripts and tests that start services
  process.stdout.write(JSON.stringify({ service: opts.name, ready: true, url }) + '\n');
  return app;
}
