export { ApiKeyEntity } from './api-key.entity';
export { ApiKeyGuard } from './api-key.guard';
export { ApiKeysService } from './api-keys.service';
export { AuthModule } from './auth.module';
export { CreateApiKeyDto } from './dto/create-api-key.dto';
export { hashApiKey } from './api-key-secret';
