import { SetMetadata } from '@nestjs/common';
import { RAW_RESPONSE } from '../envelope/envelope.interceptor';

/** The route answers its own format (Prometheus text, the OpenAPI document): no envelope. */
export const RawResponse = () => SetMetadata(RAW_RESPONSE, true);
