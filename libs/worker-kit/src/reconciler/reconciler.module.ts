import { Module } from '@nestjs/common';
import { WorkBacklogRepository } from '@storelens/db';
import { DataSource } from 'typeorm';
import { WorkerKitModule } from '../worker-kit.module';
import { ReconcilerSchedule } from './reconciler-schedule';
import { WorkReconciler } from './work-reconciler';

/**
 * The reconciler on its schedule. Imported by the worker services (beside PlatformModule), so it runs wherever a
 * stage runs and keeps running while any of them is up; not by the worker modules that tests assemble.
 */
@Module({
  imports: [WorkerKitModule],
  providers: [
    {
      provide: WorkBacklogRepository,
      useFactory: (ds: DataSource) => new WorkBacklogRepository(ds),
      inject: [DataSource],
    },
    WorkReconciler,
    ReconcilerSchedule,
  ],
  exports: [WorkReconciler, ReconcilerSchedule],
})
export class ReconcilerModule {}
