import { Injectable } from '@nestjs/common';
import { configuredMinimumProblems, type ErrorDetail, registerRefusedDtoCheck } from '@vigil/common';
import { VigilConfig } from '@vigil/config';
import { draftFromInput, draftOf, type EndpointDraft } from './endpoint-draft';
import type { EndpointEntity } from './endpoint.entity';
import { restoreMaskedHeaders } from './header-masking';
import { TargetPolicy } from './target-policy';
import { CreateEndpointDto } from './dto/create-endpoint.dto';
import { PatchEndpointDto } from './dto/update-endpoint.dto';

/** A rule across fields: the fields it reads, and what it finds wrong with a draft. */
interface DraftRule {
  fields: ReadonlyArray<keyof CreateEndpointDto>;
  problems(draft: EndpointDraft, prefix: string): ErrorDetail[];
}

/**
 * The rules a definition must meet beyond the shape its DTO checks: those that depend on configuration
 * (minimum interval, target allowlist) or on several fields at once. Every entry point (REST, bulk,
 * monitors file) runs them; `prefix` names the item in the details (`create[3].`, `endpoints[0].`). A body its DTO
 * refuses is checked too, on the fields it accepted, so the answer lists both (registerRefusedDtoCheck).
 */
@Injectable()
export class EndpointRules {
  private readonly rules: DraftRule[];

  constructor(
    private readonly config: VigilConfig,
    private readonly targets: TargetPolicy,
  ) {
    this.rules = [
      {
        fields: ['timeout', 'interval'],
        // Not for an interval of 0 or less (the minimum reports it): its default timeout, half of it, would be blamed too.
        problems: (draft, prefix) =>
          draft.intervalS > 0 && draft.timeoutMs >= draft.intervalS * 1000
            ? [{ field: `${prefix}timeout`, message: `timeout must be less than the interval (${draft.intervalS} s)`, value: draft.timeoutMs / 1000 }]
            : [],
      },
      {
        fields: ['url'],
        problems: (draft, prefix) => {
          const target = this.targets.literalHostProblem(draft.url);
          return target ? [{ field: `${prefix}url`, message: `url is not allowed: ${target}` }] : [];
        },
      },
      {
        fields: ['body', 'method'],
        problems: (draft, prefix) =>
          draft.body !== null && (draft.method === 'GET' || draft.method === 'HEAD')
            ? [{ field: `${prefix}body`, message: `body is not allowed with ${draft.method}` }]
            : [],
      },
      {
        fields: ['url', 'assertions'],
        problems: (draft, prefix) =>
          draft.url.toLowerCase().startsWith('https:')
            ? []
            : draft.assertions.flatMap((a, i) =>
                a.type === 'tls_cert_days' ? [{ field: `${prefix}assertions[${i}].type`, message: 'a tls_cert_days assertion needs an https url' }] : [],
              ),
      },
    ];
    // A refused body is checked against these rules too, on the fields it did not refuse (VigilValidationPipe).
    // PatchEndpointDto does not extend CreateEndpointDto (PartialType copies it); bulk update items extend PatchEndpointDto.
    registerRefusedDtoCheck(config, CreateEndpointDto, (dto, refused, prefix) => this.refusedProblems(dto, refused, 'replace', prefix));
    registerRefusedDtoCheck(config, PatchEndpointDto, (dto, refused, prefix) => this.refusedProblems(dto, refused, 'patch', prefix));
  }

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
    for (const rule of this.rules) problems.push(...rule.problems(draft, prefix));
    return problems;
  }

  /**
   * The rules on a body whose DTO was refused, so its answer lists these problems next to the DTO's: only the
   * rules whose fields were all accepted, and, for a patch (whose other fields are the stored endpoint's, not
   * read here), sent. Fields left out of a replacing body take their defaults, as they would when stored.
   */
  private refusedProblems(dto: object, refused: (field: string) => boolean, mode: 'replace' | 'patch', prefix: string): ErrorDetail[] {
    const input = dto as Partial<CreateEndpointDto>;
    const usable = (field: keyof CreateEndpointDto) => !refused(field) && (mode === 'replace' || input[field] !== undefined);
    const rules = this.rules.filter((rule) => rule.fields.every(usable));
    if (rules.length === 0) return [];
    const accepted: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(input)) if (!refused(key)) accepted[key] = value;
    // Name and url stand in when refused: no rule left reads a refused field.
    const draft = draftFromInput({ name: '', url: '', ...accepted } as Partial<CreateEndpointDto>);
    return rules.flatMap((rule) => rule.problems(draft, prefix));
  }
}
