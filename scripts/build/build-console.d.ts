/** Size of one built file. */
export interface BuiltFile {
  bytes: number;
  gzip: number;
}

/** Builds the web console into `outDir` (default dist/console). */
export function buildConsole(outDir?: string): Promise<{ outDir: string; js: BuiltFile; css: BuiltFile; ms: number }>;
