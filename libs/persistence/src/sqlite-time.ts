/**
 * SQLite keeps timestamps as UTC text without a zone marker ('YYYY-MM-DD HH:MM:SS.SSS', the
 * migrations' strftime default); better-sqlite3 cannot bind a Date. The one place that converts.
 */
export function toSqliteTime(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

export function fromSqliteTime(text: string): Date {
  return new Date(`${text.replace(' ', 'T')}Z`);
}
