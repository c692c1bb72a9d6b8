import { Module } from '@nestjs/common';
import { AggregatesController } from './aggregates/aggregates.controller';
import { AggregatesReadRepository } from './aggregates/aggregates.read-repository';
import { AggregatesService } from './aggregates/aggregates.service';
import { AnnotatedFrameService } from './frames/annotated-frame.service';
import { FrameAccessGuard } from './frames/frame-access.guard';
import { FrameLinks } from './frames/frame-links';
import { FramesController } from './frames/frames.controller';
import { MediaController } from './media/media.controller';
import { MediaReadRepository } from './media/media.read-repository';
import { MediaService } from './media/media.service';
import { ShoppersController } from './shoppers/shoppers.controller';
import { ShoppersReadRepository } from './shoppers/shoppers.read-repository';
import { ShoppersService } from './shoppers/shoppers.service';
import { VisitBuilder } from './shoppers/visit-builder';
import { VisitFacts } from './shoppers/visit-facts';
import { VisitSliceStore } from './shoppers/visit-slice-store';

/**
 * The read API. It needs the global PlatformModule (configuration, DataSource, repositories, object store, API-key
 * guard) next to it: AnalyticsModule in the service, a test's own PlatformModule.forService(…, cfg) in tests.
 */
@Module({
  controllers: [MediaController, FramesController, AggregatesController, ShoppersController],
  providers: [
    MediaReadRepository,
    AggregatesReadRepository,
    MediaService,
    AggregatesService,
    AnnotatedFrameService,
    FrameLinks,
    FrameAccessGuard,
    ShoppersReadRepository,
    ShoppersService,
    VisitBuilder,
    VisitFacts,
    VisitSliceStore,
  ],
  // the service's background pass keeps the visit facts current too
  exports: [VisitFacts],
})
export class AnalyticsApiModule {}
