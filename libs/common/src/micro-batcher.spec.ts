import { MicroBatcher } from './micro-batcher';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('MicroBatcher', () => {
  it('groups submissions of the same turn into one batch and answers each caller with its own result', async () => {
    // Arrange
    const batches: number[][] = [];
    const batcher = new MicroBatcher<number, number>(async (items) => {
      batches.push(items);
      return items.map((x) => x * 10);
    }, { maxBatchSize: 100, maxInFlight: 1 });
    // Act
    const results = await Promise.all([1, 2, 3].map((x) => batcher.submit(x)));
    // Assert
    expect(results).toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('runs a lone submission without waiting for company', async () => {
    const batcher = new MicroBatcher<number, number>(async (items) => items, { maxBatchSize: 100, maxInFlight: 1 });
    const started = Date.now();
    await expect(batcher.submit(7)).resolves.toBe(7);
    expect(Date.now() - started).toBeLessThan(50);
  });

  it('collects what arrives during a running batch into the next one (group commit)', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const batcher = new MicroBatcher<number, number>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await gate;
      return items;
    }, { maxBatchSize: 100, maxInFlight: 1 });
    const first = batcher.submit(1);
    await tick();
    const later = [2, 3, 4].map((x) => batcher.submit(x));
    await tick();
    expect(batches).toEqual([[1]]);
    release();
    await Promise.all([first, ...later]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('caps batch size and in-flight batches', async () => {
    const sizes: number[] = [];
    let running = 0;
    let maxRunning = 0;
    const batcher = new MicroBatcher<number, number>(async (items) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      sizes.push(items.length);
      await tick();
      running--;
      return items;
    }, { maxBatchSize: 4, maxInFlight: 2 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => batcher.submit(i)));
    expect(Math.max(...sizes)).toBe(4);
    expect(sizes.reduce((a, b) => a + b)).toBe(10);
    expect(maxRunning).toBe(2);
  });

  it('fails exactly the items of a failed batch, never those of other batches', async () => {
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const batcher = new MicroBatcher<string, string>(async (items) => {
      calls++;
      if (calls === 1) {
        await gate;
        throw new Error('flush failed');
      }
      return items;
    }, { maxBatchSize: 100, maxInFlight: 1 });
    const failed = [batcher.submit('a'), batcher.submit('b')];
    await tick();
    const next = batcher.submit('c');
    release();
    await expect(Promise.all(failed.map((p) => p.catch((e: Error) => e.message)))).resolves.toEqual(['flush failed', 'flush failed']);
    await expect(next).resolves.toBe('c');
  });

  it('lets later items past a batch that hangs longer than stallAfterMs, and still answers the hung one', async () => {
    // Arrange: the first call hangs until released, like a commit on a silently cut connection
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const batcher = new MicroBatcher<string, string>(async (items) => {
      if (items.includes('hung')) await gate;
      return items;
    }, { maxBatchSize: 100, maxInFlight: 1, stallAfterMs: 20 });
    const hung = batcher.submit('hung');
    await tick();
    // Act: with the only slot taken by the hung batch, a later item is still handled
    const later = await batcher.submit('later');
    // Assert
    expect(later).toBe('later');
    release();
    await expect(hung).resolves.toBe('hung');
  }, 10_000);
});
