/**
 * Summarises a V8 CPU profile (`node --cpu-prof`) by category: each sample's time goes to the
 * category of its closest stack frame that belongs to one (so V8 builtins such as JSON.stringify
 * count for whoever called them), idle time is left out.
 *
 *   npm run profile:summary -- <file.cpuprofile> [requests]
 *
 * With `requests`, also prints the microseconds per request of each category. The profiler samples
 * the thread's wall-clock time while it is not idle: on a machine whose cores are oversubscribed,
 * time the thread spent waiting for a core counts too, so compare shares, not absolute µs.
 */
import { readFileSync } from 'node:fs';
import { exitOnHelp } from './bench-support';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** First matching rule wins; a frame that matches none defers to its caller. */
const RULES: [category: string, test: (url: string, fn: string) => boolean][] = [
  ['garbage collection', (_u, fn) => fn === '(garbage collector)'],
  ['logging', (u) => /pino|sonic-boom|@nestjs\/common\/services\/(console-)?logger|request-log|opentelemetry/.test(u)],
  ['validation (class-validator, class-transformer, libs/validation)', (u) => /class-validator|class-transformer|libs\/validation\//.test(u)],
  ['inference (onnxruntime, libs/inference)', (u) => /onnxruntime|libs\/inference\//.test(u)],
  ['persistence (pg, typeorm, libs/persistence)', (u) => /node_modules\/(pg|pg-[a-z-]+|typeorm|better-sqlite3)\/|libs\/persistence\//.test(u)],
  ['metrics (prom-client)', (u) => /prom-client|apps\/api\/src\/metrics/.test(u)],
  ['our code (libs/prediction, libs/common, apps/api)', (u) => /libs\/(prediction|common|monitoring|health)\/|apps\/api\//.test(u)],
  ['Express, body-parser, Nest pipeline', (u) => /node_modules\/(express|body-parser|raw-body|router|@nestjs|helmet|finalhandler|send|on-finished|type-is|content-type|iconv-lite|qs|depd|rxjs|express-rate-limit|statuses|accepts|negotiator|mime|etag|fresh|serve-static|parseurl|path-to-regexp|cookie|vary|proxy-addr|forwarded)\//.test(u)],
  ['socket writes and Node HTTP (node:net, node:_http_*, streams)', (u) => /^node:(net|_http_|http|stream|internal\/(stream|http|net|streams))/.test(u)],
  ['other Node internals (timers, events, async hooks)', (u) => u.startsWith('node:')],
];

export function summarise(profile: CpuProfile): { total: number; byCategory: Map<string, number> } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const categoryOf = new Map<number, string>();
  const categorise = (id: number): string => {
    const known = categoryOf.get(id);
    if (known) return known;
    const { url, functionName } = byId.get(id)!.callFrame;
    let category: string;
    if (functionName === '(idle)') category = 'idle';
    else if (functionName === '(program)') category = 'native, not attributed (program)';
    else {
      const rule = RULES.find(([, test]) => test(url, functionName));
      const up = parent.get(id);
      category = rule ? rule[0] : up !== undefined ? categorise(up) : 'other';
      if (category === '(root)') category = 'other';
    }
    categoryOf.set(id, category);
    return category;
  };
  const byCategory = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const category = categorise(id);
    if (category === 'idle') return;
    const micros = profile.timeDeltas[i + 1] ?? 0;
    total += micros;
    byCategory.set(category, (byCategory.get(category) ?? 0) + micros);
  });
  return { total, byCategory };
}

/** A markdown table of the summary, shares of busy time, largest first. */
export function table(profile: CpuProfile, requests?: number, unit = 'request'): string {
  const { total, byCategory } = summarise(profile);
  const lines = [`| category | share of busy time |${requests ? ` µs per ${unit} |` : ''}`, `|---|---|${requests ? '---|' : ''}`];
  for (const [category, micros] of [...byCategory].sort((a, b) => b[1] - a[1])) {
    lines.push(`| ${category} | ${((100 * micros) / total).toFixed(1)} % |${requests ? ` ${(micros / requests).toFixed(0)} |` : ''}`);
  }
  lines.push(`| **busy time** | ${(total / 1e6).toFixed(2)} s of ${((profile.endTime - profile.startTime) / 1e6).toFixed(2)} s |` +
    `${requests ? ` ${(total / requests).toFixed(0)} |` : ''}`);
  return lines.join('\n');
}

if (require.main === module) {
  exitOnHelp(__filename);
  const [file, requests] = process.argv.slice(2);
  if (!file) {
    console.error('Usage: npm run profile:summary -- <file.cpuprofile> [requests]');
    process.exit(2);
  }
  console.log(table(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, requests ? Number(requests) : undefined));
}
