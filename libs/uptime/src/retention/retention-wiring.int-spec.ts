import { startTestStack, type TestStack } from '../../../../test/support/test-app';
import { RetentionService } from './retention.service';

/** The job lives only in processes that run checks: the API only with RUN_CHECKS=true (the worker always). */
describe('retention wiring in the API', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ RUN_CHECKS: 'false' });
  });
  afterAll(() => stack?.close());

  it('is absent with RUN_CHECKS=false', () => {
    expect(() => stack.api.app.get(RetentionService, { strict: false })).toThrow();
  });

  it('is present with RUN_CHECKS=true', async () => {
    const instance = await stack.startInstance({ RUN_CHECKS: 'true' });
    expect(instance.app.get(RetentionService, { strict: false })).toBeInstanceOf(RetentionService);
  });
});
