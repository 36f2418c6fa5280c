/** Topics a client can subscribe to on /ws/live; `endpoint:<uuid>` narrows to one endpoint. */
export const FIXED_TOPICS = ['checks', 'alerts', 'providers', 'status', 'logs'] as const;
export type FixedTopic = (typeof FIXED_TOPICS)[number];

/** A new client gets `status` until it subscribes to more (or unsubscribes from it). */
export const DEFAULT_TOPICS: readonly string[] = ['status'];

export const TOPICS_HELP = `topics are ${FIXED_TOPICS.join(', ')} and endpoint:<uuid>`;

const FIXED = new Set<string>(FIXED_TOPICS);
const ENDPOINT_TOPIC = /^endpoint:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/** The canonical form of a topic (endpoint ids in lower case, as PostgreSQL prints them), or null when it is not one. */
export function normalizeTopic(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  if (FIXED.has(value)) return value;
  const endpoint = ENDPOINT_TOPIC.exec(value);
  return endpoint ? endpointTopic(endpoint[1]) : null;
}

export function endpointTopic(endpointId: string): string {
  return `endpoint:${endpointId.toLowerCase()}`;
}

/** `endpoint:<id>` for an event that names a valid endpoint id; none otherwise. */
export function endpointTopics(endpointId: unknown): string[] {
  const topic = typeof endpointId === 'string' ? normalizeTopic(`endpoint:${endpointId}`) : null;
  return topic ? [topic] : [];
}

/** The family a topic is counted under in the stats: the fixed topic itself, or `endpoint`. */
export function topicFamily(topic: string): FixedTopic | 'endpoint' {
  return FIXED.has(topic) ? (topic as FixedTopic) : 'endpoint';
}
