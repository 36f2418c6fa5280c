import { ApiProperty } from '@nestjs/swagger';
import type { Role } from '@vigil/common';

export class ApiKeyDto {
  /** @example "2b1c5c1e-8f0a-4a52-9d7e-1f6f3c1d2a10" */
  id: string;
  /** @example "ci-smoke-tests" */
  name: string;
  @ApiProperty({ enum: ['admin', 'operator', 'viewer'], example: 'operator' })
  role: Role;
  /** The start of the key, to tell keys apart. @example "vgl_3f9a1c2e" */
  prefix: string;
  /** @example "2026-11-24T10:00:00.000Z" */
  created_at: string;
  @ApiProperty({ type: String, nullable: true, example: '2027-01-01T00:00:00.000Z' })
  expires_at: string | null;
  @ApiProperty({ type: String, nullable: true, example: null })
  revoked_at: string | null;
  @ApiProperty({ type: String, nullable: true, example: '2026-11-24T10:05:00.000Z' })
  last_used_at: string | null;
  @ApiProperty({ enum: ['active', 'revoked', 'expired'], example: 'active' })
  state: 'active' | 'revoked' | 'expired';
}

export class CreatedApiKeyDto extends ApiKeyDto {
  /** The key itself. Shown only in this response: store it now. @example "vgl_3f9a1c2e_Qm9vdHN0cmFwLXNlY3JldC1leGFtcGxlLWtleS0xMjM0NTY" */
  key: string;
}

export class WhoAmIDto {
  /** @example "2b1c5c1e-8f0a-4a52-9d7e-1f6f3c1d2a10" */
  key_id: string;
  /** @example "ops" */
  name: string;
  @ApiProperty({ enum: ['admin', 'operator', 'viewer'], example: 'admin' })
  role: Role;
  /** @example "vgl_3f9a1c2e" */
  prefix: string;
}
