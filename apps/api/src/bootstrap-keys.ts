import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { ApiKeysService } from '@vigil/auth';

/** The API server (not the CLI or a worker) makes sure someone can log in on first start. */
@Injectable()
export class BootstrapKeys implements OnApplicationBootstrap {
  constructor(private readonly keys: ApiKeysService) {}

  onApplicationBootstrap(): Promise<void> {
    return this.keys.ensureBootstrapKey();
  }
}
