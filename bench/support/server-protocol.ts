/** Messages between bench/api.ts (the load generator) and bench/api-servers.ts (the apps under test). */
export interface StartServers {
  type: 'start';
  databaseUrl: string;
  redisUrl: string;
  redisKeyPrefix: string;
  apiKey: string;
}

export type ServersMessage =
  | { type: 'ready'; vigilUrl: string; bareUrl: string }
  | { type: 'failed'; error: string }
  /** process.cpuUsage() of the server process, user + system, in µs. */
  | { type: 'cpu-usage'; micros: number };

export type ControlMessage = StartServers | { type: 'stop' } | { type: 'cpu-usage' };
