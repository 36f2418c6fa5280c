export { LiveCloseCode } from './live-close-codes';
export { LiveModule } from './live.module';
export { LIVE_PATH } from './live.gateway';
