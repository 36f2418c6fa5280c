import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';

/** The baseline: a stock Nest (Express) app with one route, no guards, interceptors or middleware of ours. */
@Controller()
class BareController {
  @Get('bare')
  bare(): { ok: boolean; name: string } {
    return { ok: true, name: 'bare' };
  }
}

@Module({ controllers: [BareController] })
class BareModule {}

export function createBareApp(): Promise<NestExpressApplication> {
  return NestFactory.create<NestExpressApplication>(BareModule, { logger: false });
}
