import { retryWhileBusy } from './sqlite-busy-retry';

const busy = () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });

describe('retryWhileBusy', () => {
  it('retries a write while the database is busy, letting timers run in between', async () => {
    // Arrange: busy twice, then done; a timer set meanwhile must fire before the write succeeds
    let attempts = 0;
    let timerFired = false;
    setTimeout(() => (timerFired = true), 0);
    const write = () => {
      attempts++;
      if (attempts < 3) throw busy();
      return timerFired;
    };
    // Act / Assert
    await expect(retryWhileBusy(write, 1000)).resolves.toBe(true);
    expect(attempts).toBe(3);
  });

  it('gives up with the SQLITE_BUSY error once the wait is over', async () => {
    let attempts = 0;
    await expect(retryWhileBusy(() => { attempts++; throw busy(); }, 200)).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    expect(attempts).toBeGreaterThan(1);
  });

  it('does not retry any other error', async () => {
    let attempts = 0;
    const constraint = Object.assign(new Error('CHECK constraint failed'), { code: 'SQLITE_CONSTRAINT_CHECK' });
    await expect(retryWhileBusy(() => { attempts++; throw constraint; }, 1000)).rejects.toBe(constraint);
    expect(attempts).toBe(1);
  });
});
