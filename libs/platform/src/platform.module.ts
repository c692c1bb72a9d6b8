import { Global, Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { requireUrlSecret, safeLogOptions, signedLinkSafeRequest, type StoreLensConfig } from '@storelens/config';
import {
  AlertRepository,
  CameraRepository,
  createDataSource,
  EventRepository,
  LiveCameraRepository,
  WebhookRepository,
  EmbeddingRepository,
  FaceRepository,
  FrameRepository,
  IdentityRepository,
  MediaRepository,
  ShopperRepository,
  StoreRepository,
  TenantRepository,
  TransactionRepository,
} from '@storelens/db';
import { QueueService } from '@storelens/queue';
import { ObjectStore } from '@storelens/storage';
import { ApiKeyGuard } from './auth';
import { HealthController } from './health.controller';
import { Metrics } from './metrics';
import { OutageFilter } from './outage';
import { CONFIG, SERVICE_NAME } from './tokens';

const repositories = [
  TenantRepository,
  StoreRepository,
  CameraRepository,
  MediaRepository,
  FrameRepository,
  FaceRepository,
  IdentityRepository,
  EmbeddingRepository,
  AlertRepository,
  ShopperRepository,
  TransactionRepository,
  LiveCameraRepository,
  EventRepository,
  WebhookRepository,
];

/** Closes the outside systems in the right order when the process is asked to stop (after workers have drained). */
@Injectable()
class PlatformLifecycle implements OnApplicationShutdown {
  // explicit tokens: tsx (esbuild) emits no constructor parameter types for Nest to read
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(QueueService) private readonly queues: QueueService,
    @Inject(ObjectStore) private readonly store: ObjectStore,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.queues.close();
    this.store.close();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

@Global()
@Module({})
export class PlatformModule {
  /**
   * Everything a StoreLens service shares: configuration, Postgres (one repository class per aggregate), the
   * queues, the object store, structured logs, metrics and the health endpoint. Each outside system is one
   * injectable class, built here and nowhere else.
   */
  static forService(service: string, cfg: StoreLensConfig): DynamicModule {
    return {
      module: PlatformModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            name: service,
            level: cfg.logLevel,
            autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/metrics' },
            ...safeLogOptions,
            // signed links (annotated frames) are credentials: their signature never reaches a log
            serializers: { req: signedLinkSafeRequest },
          },
        }),
      ],
      controllers: [HealthController],
      // every route needs an API key unless marked @Public()
      // (the guard is global so that a new controller cannot forget it)
      providers: [
        {
          provide: CONFIG,
          // a service refuses to boot without a real URL secret (config has already refused a short or published
          // one); checked when the service starts, not when its module is only scanned (OpenAPI previews)
          useFactory: () => (requireUrlSecret(cfg), cfg),
        },
        { provide: SERVICE_NAME, useValue: service },
        {
          provide: DataSource,
          useFactory: async () => {
            const ds = createDataSource(cfg.database.url, {
              poolSize: cfg.database.poolSize,
              vectorSearch: cfg.database.vectorSearch,
            });
            await ds.initialize();
            return ds;
          },
        },
        ...repositories.map((repo) => ({
          provide: repo,
          useFactory: (ds: DataSource) => new repo(ds),
          inject: [DataSource],
        })),
        {
          provide: QueueService,
          useFactory: () =>
            new QueueService({
              redisUrl: cfg.redis.url,
              prefix: cfg.queue.prefix,
              concurrency: cfg.worker.concurrency,
              lockDurationMs: cfg.worker.lockDurationMs,
            }),
        },
        {
          provide: ObjectStore,
          useFactory: async () => {
            const store = new ObjectStore(cfg.s3);
            await store.ensureBucket();
            return store;
          },
        },
        { provide: Metrics, useFactory: () => new Metrics(service) },
        PlatformLifecycle,
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        // a database, queue or object store outage is a 503 with Retry-After, not a 500
        { provide: APP_FILTER, useClass: OutageFilter },
      ],
      exports: [CONFIG, SERVICE_NAME, DataSource, ...repositories, QueueService, ObjectStore, Metrics],
    };
  }
}
