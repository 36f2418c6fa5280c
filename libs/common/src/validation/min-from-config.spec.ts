import { PartialType } from '@nestjs/swagger';
import { loadConfig } from '@vigil/config';
import { Type } from 'class-transformer';
import { IsArray, IsIn, IsInt, IsOptional, ValidateNested } from 'class-validator';
import { AppError } from '../errors/app-error';
import { applyConfiguredMinimums, configuredMinimumProblems, MinFromConfig } from './min-from-config';
import { VigilValidationPipe } from './vigil-validation.pipe';

class ProbeDto {
  @IsIn(['GET', 'POST'])
  method: string;

  @IsOptional()
  @IsInt()
  @MinFromConfig('checks.minIntervalS')
  interval?: number;
}

class ProbePatchDto extends PartialType(ProbeDto) {}

class ProbeBatchDto {
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ProbeDto)
  create?: ProbeDto[];

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ProbePatchDto)
  update?: ProbePatchDto[];
}

const config = loadConfig({ CHECK_MIN_INTERVAL_S: '30' });
const pipe = new VigilValidationPipe(config);

/** The pipe's verdict on a body: the instance it passes on, or the code and details it refuses with. */
async function verdict(metatype: new () => object, body: unknown): Promise<{ passed: unknown } | { code: string; details: unknown }> {
  try {
    return { passed: await pipe.transform(body, { type: 'body', metatype, data: undefined }) };
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return { code: err.code, details: err.details };
  }
}

describe('MinFromConfig in VigilValidationPipe', () => {
  it('reports a value below the configured minimum in the same answer as the other errors of a refused body', async () => {
    expect(await verdict(ProbeDto, { method: 'NOPE', interval: 12 })).toEqual({
      code: 'VAL_MULTIPLE_ERRORS',
      details: [
        { field: 'method', message: 'method must be one of the following values: GET, POST', value: 'NOPE' },
        { field: 'interval', message: 'interval must not be less than 30', value: 12 },
      ],
    });
  });

  it('passes a body the DTO accepts, leaving the minimum to the rules run on what would be stored', async () => {
    expect(await verdict(ProbeDto, { method: 'GET', interval: 12 })).toEqual({ passed: expect.objectContaining({ method: 'GET', interval: 12 }) });
  });

  it('adds nothing for a value at the minimum, or one the DTO already refused', async () => {
    expect(await verdict(ProbeDto, { method: 'NOPE', interval: 30 })).toMatchObject({ code: 'VAL_ERROR', details: [{ field: 'method' }] });
    expect(await verdict(ProbeDto, { method: 'NOPE', interval: 2.5 })).toMatchObject({
      code: 'VAL_MULTIPLE_ERRORS',
      details: [{ field: 'method' }, { field: 'interval', message: 'interval must be an integer number' }],
    });
  });

  it('checks the DTOs nested in a body and classes that inherit the field (PartialType), naming each item', async () => {
    const body = {
      create: [
        { method: 'GET', interval: 40 },
        { method: 'NOPE', interval: 3 },
      ],
      update: [{ interval: 5 }],
    };
    expect(await verdict(ProbeBatchDto, body)).toEqual({
      code: 'VAL_MULTIPLE_ERRORS',
      details: [
        { field: 'create[1].method', message: expect.stringContaining('method must be one of'), value: 'NOPE' },
        { field: 'create[1].interval', message: 'interval must not be less than 30', value: 3 },
        { field: 'update[0].interval', message: 'interval must not be less than 30', value: 5 },
      ],
    });
  });

  it('reads the minimum of the configuration the pipe was given', async () => {
    const lenient = new VigilValidationPipe(loadConfig({ CHECK_MIN_INTERVAL_S: '5' }));
    await expect(lenient.transform({ method: 'NOPE', interval: 12 }, { type: 'body', metatype: ProbeDto, data: undefined })).rejects.toMatchObject({
      code: 'VAL_ERROR',
      details: [{ field: 'method' }],
    });
  });
});

describe('configuredMinimumProblems', () => {
  it('names each value below a declared minimum after the prefix, and ignores what is not a number', () => {
    expect(configuredMinimumProblems(ProbeDto, { interval: 29 }, config, 'create[3].')).toEqual([
      { field: 'create[3].interval', message: 'interval must not be less than 30', value: 29 },
    ]);
    expect(configuredMinimumProblems(ProbePatchDto, { interval: 30 }, config)).toEqual([]);
    expect(configuredMinimumProblems(ProbeDto, { interval: '5' }, config)).toEqual([]);
    expect(configuredMinimumProblems(ProbeDto, {}, config)).toEqual([]);
  });
});

describe('applyConfiguredMinimums', () => {
  it('sets the configured minimum where a schema is marked, and leaves no mark behind', () => {
    const doc = {
      components: { schemas: { ProbeDto: { properties: { interval: { type: 'integer', maximum: 86400, 'x-vigil-minimum-from': 'checks.minIntervalS' } } } } },
    };
    applyConfiguredMinimums(doc, config);
    expect(doc.components.schemas.ProbeDto.properties.interval).toEqual({ type: 'integer', maximum: 86400, minimum: 30 });
  });
});
