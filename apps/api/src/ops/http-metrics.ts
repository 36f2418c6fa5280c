import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** Prometheus metrics for this process: HTTP requests by route and status, plus Node's defaults. */
@Injectable()
export class HttpMetrics {
  private readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'vigil_http_requests_total',
    help: 'HTTP requests',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'vigil_http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Label children by "method route status": prom-client would hash the label object on every request. */
  private readonly series = new Map<string, { count: ReturnType<Counter['labels']>; time: ReturnType<Histogram['labels']> }>();

  /** Express middleware: times each request and labels it by its route pattern (never the raw URL). */
  readonly middleware = (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? (res.statusCode === 404 ? 'unmatched' : 'middleware');
      const routeLabel = `${req.baseUrl ?? ''}${route}`;
      const id = `${req.method} ${routeLabel} ${res.statusCode}`;
      let series = this.series.get(id);
      if (!series) {
        series = { count: this.requests.labels(req.method, routeLabel, String(res.statusCode)), time: this.duration.labels(req.method, routeLabel) };
        this.series.set(id, series);
      }
      series.count.inc();
      series.time.observe((performance.now() - started) / 1000);
    });
    next();
  };

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
