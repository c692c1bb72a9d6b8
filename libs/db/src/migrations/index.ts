import { InitialSchema1795826300000 } from './1795826300000-initial-schema';
import { EnrolmentProgressAlerts1795900000000 } from './1795900000000-enrolment-progress-alerts';
import { WorkBacklogIndexes1796100000000 } from './1796100000000-work-backlog-indexes';

/** Every migration in order. Listed, not globbed, so they load the same under ts-jest, tsx and compiled JS. */
export const migrations = [
  InitialSchema1795826300000,
  EnrolmentProgressAlerts1795900000000,
  WorkBacklogIndexes1796100000000,
];
