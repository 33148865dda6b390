/** A pino destination that keeps the JSON lines it is given, parsed, for the assertions. */
export class LogSink {
  readonly lines: Record<string, unknown>[] = [];

  write(chunk: string): void {
    for (const line of chunk.split('\n')) if (line) this.lines.push(JSON.parse(line) as Record<string, unknown>);
  }

  /** Lines logged for one request (its `request_id`). */
  forRequest(id: string): Record<string, unknown>[] {
    return this.lines.filter((line) => line.request_id === id);
  }

  clear(): void {
    this.lines.length = 0;
  }
}
