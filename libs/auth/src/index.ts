export { ApiKeyEntity } from './api-key.entity';
export { ApiKeyGuard } from './api-key.guard';
export { ApiKeysService, KEY_REVOKED_EVENT } from './api-keys.service';
export { AuthModule } from './auth.module';
export type { CreateApiKeyDto } from './dto/create-api-key.dto';
