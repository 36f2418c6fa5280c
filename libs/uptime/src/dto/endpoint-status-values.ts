import type { EndpointStatus } from '@vigil/events';

/** Every endpoint status, for the OpenAPI enums of uptime responses. */
export const ENDPOINT_STATUS_VALUES: readonly EndpointStatus[] = ['up', 'down', 'degraded', 'paused', 'pending'];
