import { Injectable } from '@nestjs/common';
import { configuredMinimumProblems, type ErrorDetail } from '@vigil/common';
import { VigilConfig } from '@vigil/config';
import { draftFromInput, draftOf, type EndpointDraft } from './endpoint-draft';
import type { EndpointEntity } from './endpoint.entity';
import { restoreMaskedHeaders } from './header-masking';
import { TargetPolicy } from './target-policy';
import { CreateEndpointDto } from './dto/create-endpoint.dto';

/**
 * The rules a definition must meet beyond the shape its DTO checks: those that depend on configuration
 * (minimum interval, target allowlist) or on several fields at once. Every entry point (REST, bulk,
 * monitors file) runs them; `prefix` names the item in the details (`create[3].`, `endpoints[0].`).
 */
@Injectable()
export class EndpointRules {
  constructor(
    private readonly config: VigilConfig,
    private readonly targets: TargetPolicy,
  ) {}

  /**
   * The draft an input makes, and what is wrong with it. `replace` (POST, PUT, monitors file): fields
   * left out take their defaults; `patch`: they keep `current`'s values. Masked header values sent back
   * stand for `current`'s secrets.
   */
  toDraft(
    input: Partial<CreateEndpointDto>,
    current: EndpointEntity | null,
    mode: 'replace' | 'patch',
    prefix = '',
  ): { draft: EndpointDraft; problems: ErrorDetail[] } {
    const problems: ErrorDetail[] = [];
    let headers = input.headers;
    if (headers !== undefined) {
      const restored = restoreMaskedHeaders(headers, current?.headers ?? {});
      headers = restored.headers;
      for (const name of restored.unresolved) {
        problems.push({ field: `${prefix}headers`, message: `headers.${name} is a masked value with no stored secret to keep; send the real value` });
      }
    }
    const draft = draftFromInput({ ...input, headers }, mode === 'patch' && current ? draftOf(current) : undefined);
    problems.push(...this.check(draft, prefix));
    return { draft, problems };
  }

  check(draft: EndpointDraft, prefix = ''): ErrorDetail[] {
    // The minimum the DTO declares (CHECK_MIN_INTERVAL_S), on the interval that would be stored: the one sent, the
    // default, or (PATCH) the current one. The validation pipe checks the same declaration on refused bodies.
    const problems = configuredMinimumProblems(CreateEndpointDto, { interval: draft.intervalS }, this.config, prefix);
    if (draft.timeoutMs >= draft.intervalS * 1000) {
      problems.push({ field: `${prefix}timeout`, message: `timeout must be less than the interval (${draft.intervalS} s)`, value: draft.timeoutMs / 1000 });
    }
    const target = this.targets.literalHostProblem(draft.url);
    if (target) problems.push({ field: `${prefix}url`, message: `url is not allowed: ${target}` });
    if (draft.body !== null && (draft.method === 'GET' || draft.method === 'HEAD')) {
      problems.push({ field: `${prefix}body`, message: `body is not allowed with ${draft.method}` });
    }
    if (!draft.url.toLowerCase().startsWith('https:')) {
      draft.assertions.forEach((a, i) => {
        if (a.type === 'tls_cert_days') problems.push({ field: `${prefix}assertions[${i}].type`, message: 'a tls_cert_days assertion needs an https url' });
      });
    }
    return problems;
  }
}
