import { Module } from '@nestjs/common';
import { FaceCropStore } from './face-crops';
import { FailureRecorder } from './failures';

/** What the face workers share on top of the platform: the crop store and the failure recorder. */
@Module({ providers: [FaceCropStore, FailureRecorder], exports: [FaceCropStore, FailureRecorder] })
export class WorkerKitModule {}
