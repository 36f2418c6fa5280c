import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsObject, IsOptional, Matches, ValidateNested } from 'class-validator';
import { ENDPOINT_LIMITS as L } from '../endpoint-limits';
import { CreateEndpointDto } from './create-endpoint.dto';
import { EndpointV2Dto } from './endpoint.dto';
import { PatchEndpointDto } from './update-endpoint.dto';

export class BulkUpdateItemDto extends PatchEndpointDto {
  /** The endpoint to change; the other fields work as in PATCH. @example "0b5e7d2c-3f4a-4f8e-9a61-2c7d8e9f0a1b" */
  @Matches(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { message: 'id must be a UUID' })
  id: string;
}

/**
 * Up to 100 creations and updates in one transaction: all are written or none. Any invalid item makes
 * the whole request 422, with one detail per problem naming the item (`create[3].interval`).
 */
export class BulkEndpointsDto {
  /** Endpoints to create (POST semantics). */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(L.bulkMaxItems)
  // ValidateNested walks into an item that is itself an array instead of refusing it.
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => CreateEndpointDto)
  create?: CreateEndpointDto[];

  /** Changes to existing endpoints (PATCH semantics, plus `id`). */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(L.bulkMaxItems)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => BulkUpdateItemDto)
  update?: BulkUpdateItemDto[];
}

export class BulkEndpointsResultDto {
  /** In the order of the request's `create`. */
  created: EndpointV2Dto[];
  /** In the order of the request's `update`. */
  updated: EndpointV2Dto[];
}
