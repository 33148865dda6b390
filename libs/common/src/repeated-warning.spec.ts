import { Logger } from '@nestjs/common';
import { RepeatedWarning } from './repeated-warning';

describe('RepeatedWarning', () => {
  it('logs the first at once, then one line per interval counting the ones not logged', () => {
    // Arrange
    let now = 0;
    const logger = { warn: jest.fn() } as unknown as Logger;
    const warning = new RepeatedWarning(logger, 10_000, () => now);
    // Act
    warning.warn('down');
    for (now = 1000; now < 10_000; now += 1000) warning.warn('down');
    now = 12_000;
    warning.warn('down');
    // Assert
    expect((logger.warn as jest.Mock).mock.calls).toEqual([['down'], ['down (9 more like it in the last 12 s)']]);
  });
});
