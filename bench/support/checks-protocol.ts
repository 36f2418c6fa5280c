/** Messages between bench/checks.ts and the processes it forks: the target server and the bare undici loop. */

export type TargetMessage = { type: 'ready'; port: number } | { type: 'stats'; requests: number };
export type TargetControl = { type: 'stats' } | { type: 'stop' };

export interface RunBareLoop {
  type: 'run';
  /** Requests go to `${baseUrl}/e/<i>` for i cycling over 0..paths-1, the URLs the endpoints use. */
  baseUrl: string;
  paths: number;
  concurrency: number;
  warmupS: number;
  durationS: number;
}

export interface BareLoopResult {
  /** Measured seconds (wall clock between the two marks). */
  durationS: number;
  /** Responses completed within the measured seconds: status 200 and the expected body. */
  ok: number;
  /** Anything else completed within them: another status, an unexpected body, an error. */
  failed: number;
  firstFailure: string | null;
  latencyMs: { p50: number; p99: number; max: number };
}

export type BareLoopMessage =
  /** Warm-up over: the measured seconds start now (the parent takes its /proc sample). */
  | { type: 'measuring' }
  /** The measured seconds are over (requests still in flight finish after this, uncounted). */
  | { type: 'measured' }
  | ({ type: 'done' } & BareLoopResult)
  | { type: 'failed'; error: string };

/** The body every target path answers with; both the bare loop and the endpoints' checks receive it. */
export const TARGET_BODY = '{"status":"UP"}';
