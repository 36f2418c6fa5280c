/** The endpoint statuses a timeline entry may name (as in libs/endpoints). */
export const ENDPOINT_STATUS_VALUES = ['up', 'down', 'degraded', 'paused', 'pending'] as const;
