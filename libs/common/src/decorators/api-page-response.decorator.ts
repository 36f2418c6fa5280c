import { applyDecorators, type Type } from '@nestjs/common';
import { ApiExtension, ApiOkResponse } from '@nestjs/swagger';

/** Documents a list route: data is an array of `item`, with offset (v1) or cursor (v2) pagination. */
export const ApiPageResponse = (item: Type<unknown>, kind: 'offset' | 'cursor') =>
  applyDecorators(ApiOkResponse({ type: item }), ApiExtension('x-vigil-list', kind));
