import { existsSync } from 'node:fs';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AppError } from '@vigil/common';
import { VigilConfig } from '@vigil/config';
import { formatPlan, MonitorsFileService } from './monitors-file.service';

/**
 * Applies the monitors file (MONITORS_FILE, default config/monitors.yaml) when the API starts. Only a
 * process serving HTTP does it: workers and the CLI import this module too, and must not. A missing file
 * changes nothing; an invalid one is logged and skipped, and the server starts anyway.
 */
@Injectable()
export class MonitorsFileStartup implements OnApplicationBootstrap {
  private readonly logger = new Logger('MonitorsFile');

  constructor(
    private readonly config: VigilConfig,
    private readonly files: MonitorsFileService,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const file = this.config.checks.monitorsFile;
    if (!this.adapterHost.httpAdapter || !existsSync(file)) return;
    try {
      const plan = await this.files.apply(file);
      this.logger.log(`applied\n${formatPlan(plan)}`);
    } catch (err) {
      const details = err instanceof AppError ? (err.details ?? []).map((d) => `\n  ${d.field ? `${d.field}: ` : ''}${d.message}`).join('') : '';
      this.logger.error({
        err: err instanceof AppError ? undefined : err,
        msg: `${file} was NOT applied: ${err instanceof Error ? err.message : String(err)}${details}`,
      });
    }
  }
}
