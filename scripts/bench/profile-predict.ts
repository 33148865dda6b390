/**
 * npm run profile: a V8 CPU profile of the service under POST /predict at 32 connections (and,
 * with PROFILE_BATCH=1, under 1,000-item batches at 2 connections), for each build of BENCH_REFS
 * side by side, summarised by category (scripts/bench/profile-summary.ts). The profiler runs only during
 * the load, not the start-up. Profiles are written to PROFILE_DIR (default a temporary directory)
 * for Chrome DevTools or speedscope.
 *
 * Env: BENCH_REFS (default `.`), PROFILE_DURATION (seconds of load, default 10), BENCH_PORT,
 * BENCH_BUILD_DIR, LOG_LEVEL (default `log`) as for npm run bench. WORKERS is always 1.
 */
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  admin,
  BASE_PORT,
  bodies,
  databaseUrl,
  load,
  prepareBuilds,
  SERVICE_PROBE,
  serviceEnv,
  start,
  startCpuProfile,
  stop,
  stopCpuProfile,
  buildWorkingTree,
  exitOnHelp,
} from './bench-support';
import { table } from './profile-summary';

exitOnHelp(__filename);

const DURATION = Number(process.env.PROFILE_DURATION ?? 10);
const REFS = (process.env.BENCH_REFS ?? '.').split(',').map((r) => r.trim()).filter(Boolean);
const DIR = process.env.PROFILE_DIR ?? mkdtempSync(join(tmpdir(), 'attrition-profile-'));

async function main(): Promise<void> {
  buildWorkingTree();
  mkdirSync(DIR, { recursive: true });
  const { single, batchOf } = bodies();
  const { builds, cleanup } = prepareBuilds(REFS);
  const points = [{ name: 'POST /predict, 32 connections', path: '/predict', connections: 32, body: single, items: 1 }];
  if (process.env.PROFILE_BATCH === '1') {
    points.push({ name: 'POST /predict/batch of 1,000, 2 connections', path: '/predict/batch', connections: 2, body: batchOf(1000), items: 1000 });
  }
  const reports: string[] = [];
  try {
    for (const [i, build] of builds.entries()) {
      const port = BASE_PORT + i;
      const database = `attrition_profile_${process.pid}_${port}`;
      await admin(`CREATE DATABASE ${database}`);
      const child = await start(join(build.dir, 'dist/apps/api/src/main.js'), build.dir, serviceEnv(port, databaseUrl(database), 1), SERVICE_PROBE, true);
      try {
        for (const point of points) {
          const url = `http://127.0.0.1:${port}${point.path}`;
          await load(url, point.connections, point.body, { duration: 2 }); // warm-up, not profiled
          const file = join(DIR, `${build.ref.replace(/\W+/g, '_')}-${point.path.replace(/\W+/g, '_')}.cpuprofile`);
          startCpuProfile(child);
          const result = await load(url, point.connections, point.body, { duration: DURATION });
          await stopCpuProfile(child, file);
          const unit = point.items === 1 ? 'requests' : 'batches';
          reports.push(`### ${build.ref}: ${point.name}\n\n${result.ok} ${unit} answered 200 (${result.failed} not) in ${DURATION} s; ` +
            `profile ${file}\n\n${table(JSON.parse(readFileSync(file, 'utf8')), result.ok * point.items, point.items === 1 ? 'request' : 'prediction')}\n`);
          console.error(`profiled ${build.ref} ${point.name}`);
        }
      } finally {
        await stop(child);
        await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      }
    }
  } finally {
    cleanup();
  }
  const loadavg = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`npm run profile, ${new Date().toISOString()}, load average ${loadavg}\n\n${reports.join('\n')}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
