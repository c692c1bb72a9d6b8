import { Inject } from '@nestjs/common';

/** The typed configuration, injected with `@InjectConfig()`. */
export const CONFIG = Symbol('StoreLensConfig');
/** The service's name (ingest, detection, …), for logs, metrics and health. */
export const SERVICE_NAME = Symbol('ServiceName');

export const InjectConfig = () => Inject(CONFIG);
