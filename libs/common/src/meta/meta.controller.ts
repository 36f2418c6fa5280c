import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../decorators/public.decorator';
import { ERROR_CATALOGUE, helpUrl } from '../errors/error-catalogue';
import { ErrorCatalogueItemDto } from './error-catalogue-item.dto';

@ApiTags('meta')
@Controller({ path: 'meta', version: ['1', '2'] })
export class MetaController {
  @Public()
  @Get('errors')
  @ApiOperation({ summary: 'Every error code the API can answer with, its HTTP status and meaning' })
  errors(): ErrorCatalogueItemDto[] {
    return [...ERROR_CATALOGUE.values()].map((e) => ({
      code: e.code,
      status: e.status,
      message: e.message,
      description: e.description,
      help_url: helpUrl(e.code),
    }));
  }
}
