export { RedisModule } from './redis.module';
export { RedisService, withTimeout } from './redis.service';
