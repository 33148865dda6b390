import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Lets a long loop give the event loop back: `await budget.check()` in each iteration yields (one
 * macrotask turn, so timers, I/O and other requests run) once `sliceMs` of work has passed since
 * the last yield, and costs a clock read otherwise.
 */
export class YieldBudget {
  private sliceStarted = performance.now();

  constructor(private readonly sliceMs = 4) {}

  async check(): Promise<void> {
    if (performance.now() - this.sliceStarted < this.sliceMs) return;
    await nextTurn();
    this.sliceStarted = performance.now();
  }
}
