import { loadConfig } from '@storelens/config';
import { IngestApiModule, IngestModule, IngestWorkerModule } from './ingest.module';

// What each INGEST_ROLE runs, read from the module graph (the processes themselves run in the end-to-end suite).
describe('IngestModule roles', () => {
  const cfg = loadConfig({});
  const parts = (role: 'api' | 'worker' | 'all') =>
    (IngestModule.forConfig(cfg, role).imports ?? []).filter((m) => m === IngestApiModule || m === IngestWorkerModule);

  it('api: the controllers only; worker: the ingest-queue consumer only; all: both in one process', () => {
    expect(parts('api')).toEqual([IngestApiModule]);
    expect(parts('worker')).toEqual([IngestWorkerModule]);
    expect(parts('all')).toEqual([IngestApiModule, IngestWorkerModule]);
  });

  it('takes its role from the configuration by default', () => {
    const worker = IngestModule.forConfig(loadConfig({ INGEST_ROLE: 'worker' }));
    expect(worker.imports).toContain(IngestWorkerModule);
    expect(worker.imports).not.toContain(IngestApiModule);
  });
});
