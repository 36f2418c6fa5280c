import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { IsInstant, type Role } from '@vigil/common';

export class CreateApiKeyDto {
  /** What the key is for. @example "ci-smoke-tests" */
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  @Matches(/^[^\p{Cc}]+$/u, { message: 'name must not contain control characters' })
  name: string;

  @ApiProperty({ enum: ['admin', 'operator', 'viewer'], example: 'operator' })
  @IsIn(['admin', 'operator', 'viewer'])
  role: Role;

  /** When the key stops working (ISO 8601, in the future). Omit for a key that does not expire. @example "2027-01-01T00:00:00Z" */
  @IsOptional()
  @IsInstant()
  expires_at?: string;
}
