import type { FailureReason } from '../check-types';

/** A failure the checker decided on itself (blocked target, timeout, oversized body...), already classified. */
export class CheckFailure extends Error {
  constructor(
    readonly reason: FailureReason,
    message: string,
  ) {
    super(message);
    this.name = 'CheckFailure';
  }
}
