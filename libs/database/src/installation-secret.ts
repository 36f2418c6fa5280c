import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/**
 * A random secret made once per installation and kept in PostgreSQL, so every instance signs
 * pagination cursors with the same key without any configuration.
 */
@Injectable()
export class InstallationSecret {
  private cached?: Promise<string>;

  constructor(private readonly dataSource: DataSource) {}

  get(): Promise<string> {
    this.cached ??= this.load().catch((err: unknown) => {
      this.cached = undefined;
      throw err;
    });
    return this.cached;
  }

  private async load(): Promise<string> {
    await this.dataSource.query(`INSERT INTO system_settings (key, value) VALUES ('installation_secret', $1) ON CONFLICT (key) DO NOTHING`, [
      randomBytes(32).toString('base64url'),
    ]);
    const rows: Array<{ value: string }> = await this.dataSource.query(`SELECT value FROM system_settings WHERE key = 'installation_secret'`);
    return rows[0].value;
  }
}
