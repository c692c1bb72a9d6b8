import { InitialSchema1795826300000 } from './1795826300000-initial-schema';
import { EnrolmentProgressAlerts1795900000000 } from './1795900000000-enrolment-progress-alerts';
import { Shoppers1796200000000 } from './1796200000000-shoppers';
import { LiveCamerasEvents1796300000000 } from './1796300000000-live-cameras-events';
import { EmbeddingsByTenant1796500000000 } from './1796500000000-embeddings-by-tenant';
import { ReportingRollups1796700000000 } from './1796700000000-reporting-rollups';
import { ForgetSweptCentroids1796800000000 } from './1796800000000-forget-swept-centroids';
import { WorkBacklogIndexes1796900000000 } from './1796900000000-work-backlog-indexes';
import { VisitFacts1797000000000 } from './1797000000000-visit-facts';
import { GalleryGraph1797100000000 } from './1797100000000-gallery-graph';
import { VisitSlices1797200000000 } from './1797200000000-visit-slices';
import { VisitorsByTenant1797300000000 } from './1797300000000-visitors-by-tenant';
import { GalleryGraphOnly1797400000000 } from './1797400000000-gallery-graph-only';
import { TrackSums1797500000000 } from './1797500000000-track-sums';
import { FaceTimes1797600000000 } from './1797600000000-face-times';
import { UntrackedFaces1797700000000 } from './1797700000000-untracked-faces';

/** Every migration in order. Listed, not globbed, so they load the same under ts-jest, tsx and compiled JS. */
export const migrations = [
  InitialSchema1795826300000,
  EnrolmentProgressAlerts1795900000000,
  Shoppers1796200000000,
  LiveCamerasEvents1796300000000,
  EmbeddingsByTenant1796500000000,
  ReportingRollups1796700000000,
  ForgetSweptCentroids1796800000000,
  WorkBacklogIndexes1796900000000,
  VisitFacts1797000000000,
  GalleryGraph1797100000000,
  VisitSlices1797200000000,
  VisitorsByTenant1797300000000,
  GalleryGraphOnly1797400000000,
  TrackSums1797500000000,
  FaceTimes1797600000000,
  UntrackedFaces1797700000000,
];
