import { Logger } from '@nestjs/common';

/**
 * A warning that can repeat on every request (each 503 of an outage): the first is logged at
 * once, later ones at most once per interval, with how many were not logged meanwhile.
 */
export class RepeatedWarning {
  private lastLogged = Number.NEGATIVE_INFINITY;
  private unlogged = 0;

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  warn(message: string): void {
    const now = this.now();
    if (now - this.lastLogged < this.intervalMs) {
      this.unlogged++;
      return;
    }
    const seconds = Math.round((now - this.lastLogged) / 1000);
    this.logger.warn(this.unlogged > 0 ? `${message} (${this.unlogged} more like it in the last ${seconds} s)` : message);
    this.lastLogged = now;
    this.unlogged = 0;
  }
}
