/**
 * Runs async tasks one at a time, in call order. TypeORM's SQLite drivers share a single query
 * runner, so two concurrent transactions would nest as savepoints of one another (a rollback of
 * one would undo the other). No library fits this one-liner's job without a new dependency.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
