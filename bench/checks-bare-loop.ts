import { Agent, request } from 'undici';
import { percentile, round } from './support/report';
import { type BareLoopMessage, type BareLoopResult, type RunBareLoop, TARGET_BODY } from './support/checks-protocol';

/**
 * The baseline of `npm run bench:checks`, forked into its own process: `concurrency` loops, each sending
 * the next GET with undici's `request` over one keep-alive Agent as soon as its previous one ended, to the
 * same target and paths as the endpoints. Nothing else: no database, no scheduling, no SSRF guard, no
 * timings or assertions. What it reaches is what the target, undici and one event loop allow at this
 * concurrency on this machine.
 */
function send(message: BareLoopMessage): void {
  process.send?.(message);
}

async function run(msg: RunBareLoop): Promise<BareLoopResult> {
  const agent = new Agent({ connections: msg.concurrency, pipelining: 1 });
  let measuring = false;
  let stopped = false;
  let next = 0;
  let ok = 0;
  let failed = 0;
  let firstFailure: string | null = null;
  let latencies = new Float64Array(1 << 20);

  const record = (startedAt: number, good: boolean, problem: () => string) => {
    if (!measuring || stopped) return;
    if (!good) {
      failed++;
      firstFailure ??= problem();
      return;
    }
    if (ok === latencies.length) {
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[ok++] = performance.now() - startedAt;
  };

  const loop = async () => {
    while (!stopped) {
      const url = `${msg.baseUrl}/e/${next++ % msg.paths}`;
      const startedAt = performance.now();
      try {
        const res = await request(url, { dispatcher: agent });
        const text = await res.body.text();
        record(startedAt, res.statusCode === 200 && text === TARGET_BODY, () => `${url} answered ${res.statusCode}: ${text.slice(0, 100)}`);
      } catch (err) {
        record(startedAt, false, () => `${url}: ${(err as Error).message}`);
      }
    }
  };

  const loops = Array.from({ length: msg.concurrency }, loop);
  await sleep(msg.warmupS * 1000);
  measuring = true;
  send({ type: 'measuring' });
  const from = performance.now();
  await sleep(msg.durationS * 1000);
  stopped = true;
  const durationS = (performance.now() - from) / 1000;
  send({ type: 'measured' });
  await Promise.all(loops);
  await agent.close();

  const measured = latencies.slice(0, ok).sort();
  return {
    durationS: round(durationS, 3),
    ok,
    failed,
    firstFailure,
    latencyMs: { p50: round(percentile(measured, 50), 3), p99: round(percentile(measured, 99), 3), max: round(measured[measured.length - 1] ?? 0, 3) },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

process.once('message', (msg: RunBareLoop) => {
  run(msg).then(
    (result) => {
      send({ type: 'done', ...result });
      process.disconnect?.();
    },
    (err: unknown) => {
      send({ type: 'failed', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      process.disconnect?.();
    },
  );
});
