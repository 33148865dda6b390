import { Writable } from 'node:stream';
import { createRootLogger, PinoNestLogger } from './logging';

/** A PinoNestLogger at `debug` whose JSON lines are collected, parsed. */
function collected(): { logger: PinoNestLogger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: new PinoNestLogger(createRootLogger({ logLevel: 'debug', logFileLevel: 'debug' }, sink)), lines };
}

describe('PinoNestLogger', () => {
  it("writes Nest's (message, context) as msg and context, and an object message's fields as they are", async () => {
    const { logger, lines } = collected();
    logger.log('model loaded', 'OnnxModelRunner');
    logger.warn({ request_id: 'abc-1', msg: 'batch of 3' }, 'PredictionService');
    logger.verbose('not at debug', 'X');
    await new Promise(setImmediate);
    expect(lines).toEqual([
      expect.objectContaining({ level: 'info', context: 'OnnxModelRunner', msg: 'model loaded' }),
      expect.objectContaining({ level: 'warn', context: 'PredictionService', request_id: 'abc-1', msg: 'batch of 3' }),
    ]);
  });

  it('keeps an Error under err and the stack of error(message, stack, context) under stack', async () => {
    const { logger, lines } = collected();
    logger.error(new TypeError('boom'), 'Bootstrap');
    logger.error('failed', 'Error: failed\n    at x (y.js:1:1)', 'ExceptionHandler');
    await new Promise(setImmediate);
    expect(lines[0]).toMatchObject({ level: 'error', context: 'Bootstrap', err: { type: 'TypeError', message: 'boom' } });
    expect(lines[1]).toMatchObject({ level: 'error', context: 'ExceptionHandler', msg: 'failed', stack: 'Error: failed\n    at x (y.js:1:1)' });
  });
});
