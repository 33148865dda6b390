import { Test } from '@nestjs/testing';
import { Matches } from 'class-validator';
import { UncompilableRuleError } from './compiled-validator';
import { PredictRequestDto } from './predict-request.dto';
import { RequestValidator } from './request-validator';
import { ValidationModule } from './validation.module';

// class-validator's metadata storage is global to this test file's module registry only, so the rule
// added here does not leak into other suites.
describe('start-up with a rule the compiler cannot handle', () => {
  const boot = () =>
    Test.createTestingModule({ imports: [ValidationModule.forRootAsync({ useFactory: () => ({}) })] }).compile();

  it('boots while every rule of the prediction body compiles', async () => {
    const moduleRef = await boot();
    expect(moduleRef.get(RequestValidator)).toBeInstanceOf(RequestValidator);
    await moduleRef.close();
  });

  it('refuses to boot, naming the rule, once the prediction body carries an uncompilable decorator', async () => {
    Matches(/^(true|false)$/)(PredictRequestDto.prototype, 'explain');
    const booting = boot();
    await expect(booting).rejects.toThrow(UncompilableRuleError);
    await expect(booting).rejects.toThrow('PredictRequestDto.explain: no compiled form for the rule "matches"');
  });
});
