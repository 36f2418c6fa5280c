import { startTestStack, type TestStack } from '../../../../test/support/test-app';
import { RollupCompactionService } from '../compaction/rollup-compaction.service';
import { RetentionService } from './retention.service';

/** The periodic jobs live only in processes that run checks: the API only with RUN_CHECKS=true (the worker always). */
describe('retention and rollup compaction wiring in the API', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ RUN_CHECKS: 'false' });
  });
  afterAll(() => stack?.close());

  it.each([
    ['RetentionService', RetentionService],
    ['RollupCompactionService', RollupCompactionService],
  ])('%s is absent with RUN_CHECKS=false', (_, job) => {
    expect(() => stack.api.app.get(job, { strict: false })).toThrow();
  });

  it('both are present with RUN_CHECKS=true', async () => {
    const instance = await stack.startInstance({ RUN_CHECKS: 'true' });
    expect(instance.app.get(RetentionService, { strict: false })).toBeInstanceOf(RetentionService);
    expect(instance.app.get(RollupCompactionService, { strict: false })).toBeInstanceOf(RollupCompactionService);
  });
});
