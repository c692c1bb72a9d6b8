import { Controller, Get, Header, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { QueueService } from '@storelens/queue';
import { Metrics } from './metrics';
import { Public } from './auth';
import { SERVICE_NAME } from './tokens';

@ApiExcludeController()
@Public()
@Controller()
export class HealthController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(QueueService) private readonly queues: QueueService,
    @Inject(Metrics) private readonly metrics: Metrics,
    @Inject(SERVICE_NAME) private readonly service: string,
  ) {}

  /** Liveness and readiness: Postgres and Redis answer. */
  @Get('health')
  async health() {
    const checks: Record<string, string> = {};
    await this.dataSource.query('SELECT 1').then(
      () => (checks.database = 'ok'),
      (e: Error) => (checks.database = e.message),
    );
    await this.queues.jobCounts('detection').then(
      () => (checks.redis = 'ok'),
      (e: Error) => (checks.redis = e.message),
    );
    const ok = Object.values(checks).every((v) => v === 'ok');
    const body = { status: ok ? 'ok' : 'degraded', service: this.service, checks };
    if (!ok) throw new ServiceUnavailableException(body);
    return body;
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
