import { Transform } from 'class-transformer';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class CreateIncidentNoteDto {
  /** The note (1-5000 characters). @example "Rolled back release 2026.11.24-3; watching error rates." */
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(5000)
  text: string;
}
