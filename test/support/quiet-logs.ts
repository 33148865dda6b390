import { Logger } from '@nestjs/common';

// Tests assert behaviour, not log lines: keep warnings and errors visible, drop the rest.
// TEST_LOG_LEVEL=debug brings them back when investigating.
Logger.overrideLogger(process.env.TEST_LOG_LEVEL === 'debug' ? ['error', 'warn', 'log', 'debug'] : ['error', 'warn']);
