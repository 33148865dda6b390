import request from 'supertest';
import { EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE } from '@app/validation';
import { TestApp, useTestApp } from './support/app';

/** Everything the process writes to stdout and stderr while `work` runs, without colours. */
async function captureOutput(work: () => Promise<void>): Promise<string[]> {
  const written: string[] = [];
  const capture = (chunk: unknown) => {
    written.push(String(chunk));
    return true;
  };
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    await work();
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
  // eslint-disable-next-line no-control-regex
  return written.join('').replace(/\x1b\[[0-9;]*m/g, '').split('\n').filter(Boolean);
}

/** Values of the request that must never reach a log line (personal data). */
const PERSONAL_VALUES = [
  EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE.poste,
  EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE.domaine_etude,
  EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE.statut_marital,
  String(EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE.revenu_mensuel),
];

const PREDICTION_LINE = /PredictionService\] prediction (\d+) model (\S+): ([01]) in (\d+\.\d+) ms$/;

describe('the per-request log line, at the default log level (LOG_LEVEL unset)', () => {
  let api: TestApp;
  const booted = useTestApp('sqlite', { env: { LOG_LEVEL: undefined } });
  beforeAll(() => (api = booted()));

  it('prints one line per prediction with its id, model version, outcome and latency, and no feature value', async () => {
    // Act
    let body: { id: number; model_version: string; prediction: number } | undefined;
    const lines = await captureOutput(async () => {
      ({ body } = await request(api.url).post('/predict').send({ features: EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE }).expect(200));
    });

    // Assert
    const predictionLines = lines.filter((line) => PREDICTION_LINE.test(line));
    expect(predictionLines).toHaveLength(1);
    const [, id, version, outcome] = PREDICTION_LINE.exec(predictionLines[0])!;
    expect({ id: Number(id), version, outcome: Number(outcome) }).toEqual({
      id: body!.id,
      version: body!.model_version,
      outcome: body!.prediction,
    });
    expect(lines.filter((line) => PERSONAL_VALUES.some((value) => line.includes(value)))).toEqual([]);
  });

  it('prints a line per batch, and no feature value', async () => {
    // Act
    const lines = await captureOutput(async () => {
      const items = [{ features: EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE }, { features: { age: 'old' } }];
      await request(api.url).post('/predict/batch').send({ items }).expect(200);
    });

    // Assert
    expect(lines.filter((line) => /PredictionService\] batch of 2: 1 stored, 1 rejected in \d+\.\d ms$/.test(line))).toHaveLength(1);
    expect(lines.filter((line) => PERSONAL_VALUES.some((value) => line.includes(value)))).toEqual([]);
  });
});

describe('the per-request log line with LOG_LEVEL=warn', () => {
  let api: TestApp;
  const booted = useTestApp('sqlite', { env: { LOG_LEVEL: 'warn' } });
  beforeAll(() => (api = booted()));

  it('is not printed', async () => {
    const lines = await captureOutput(async () => {
      await request(api.url).post('/predict').send({ features: EXAMPLE_EMPLOYEE_LIKELY_TO_LEAVE }).expect(200);
    });
    expect(lines.filter((line) => line.includes('PredictionService'))).toEqual([]);
  });
});
