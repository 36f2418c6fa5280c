import { PartialType } from '@nestjs/swagger';
import { CreateEndpointDto } from './create-endpoint.dto';

/**
 * PATCH: only the fields sent change; null is refused except for `body` (null removes it). `headers`,
 * `tags`, `retry` and `assertions` are replaced as a whole (masked header values keep their secrets).
 */
export class PatchEndpointDto extends PartialType(CreateEndpointDto, { skipNullProperties: false }) {}
