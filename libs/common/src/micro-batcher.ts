export interface MicroBatcherOptions {
  /** Most items handled by one call of the handler. */
  maxBatchSize: number;
  /**
   * Most handler calls running at once that have not stalled (see `stallAfterMs`); items arriving
   * meanwhile wait and form the next batch.
   */
  maxInFlight: number;
  /**
   * A batch still running after this many milliseconds stops counting against `maxInFlight`, so
   * one hung call (a stuck database connection) cannot hold up every later item; its own items
   * still wait for its outcome. Unset: a batch holds its slot until it ends.
   */
  stallAfterMs?: number;
}

interface Pending<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Groups concurrent submissions into batches: a batch starts at the end of the current event-loop
 * turn if a slot is free, otherwise as soon as a running batch finishes. A lone caller waits for
 * no timer, and under load batches grow by themselves while earlier ones run (group commit).
 * A failed batch rejects exactly its own items.
 *
 * Written here because DataLoader, the usual batching library, dispatches on a schedule
 * (per tick or after a fixed delay) without regard to batches in flight: per tick gives tiny
 * batches under load, a fixed delay adds that delay to every lone request.
 */
export class MicroBatcher<T, R> {
  private queue: Pending<T, R>[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly handler: (items: T[]) => Promise<R[]>,
    private readonly options: MicroBatcherOptions,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.options.maxInFlight || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
        void this.run(this.queue.splice(0, this.options.maxBatchSize));
      }
    });
  }

  private async run(batch: Pending<T, R>[]): Promise<void> {
    this.inFlight++;
    let holdsSlot = true;
    const releaseSlot = () => {
      if (!holdsSlot) return;
      holdsSlot = false;
      this.inFlight--;
      this.schedule();
    };
    const stall = this.options.stallAfterMs === undefined ? undefined : setTimeout(releaseSlot, this.options.stallAfterMs);
    stall?.unref();
    try {
      const results = await this.handler(batch.map((p) => p.item));
      batch.forEach((p, i) => p.resolve(results[i]));
    } catch (error) {
      for (const p of batch) p.reject(error);
    } finally {
      clearTimeout(stall);
      releaseSlot();
    }
  }
}
