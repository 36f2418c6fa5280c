import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsCleanName, IsInstant, type Role } from '@vigil/common';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** POST /auth/keys, and `keys:create` on the command line (apps/cli validates its options with this class too). */
export class CreateApiKeyDto {
  /** What the key is for: 1-100 characters (trimmed), no control characters. @example "ci-smoke-tests" */
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  @IsCleanName()
  name: string;

  @ApiProperty({ enum: ['admin', 'operator', 'viewer'], example: 'operator' })
  @IsIn(['admin', 'operator', 'viewer'])
  role: Role;

  /** When the key stops working (ISO 8601, in the future). Omit for a key that does not expire. @example "2027-01-01T00:00:00Z" */
  @IsOptional()
  @IsInstant()
  expires_at?: string;
}
