import { spawnSync } from 'node:child_process';
import { networkInterfaces } from 'node:os';

/** A source address on this machine that is not loopback, for connections whose peer must not look local. */
export interface NonLoopbackSource {
  address: string;
  /** How it was obtained, for the test's log. */
  how: string;
  /** Removes what was created (nothing for an address the machine already had). Idempotent. */
  remove(): void;
}

const ip = (...args: string[]) => spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });

/**
 * A non-loopback IPv4 address that a client on this machine can bind to, so that the server's
 * socket peer is not 127.x or ::1 (Linux delivers such a connection to 127.0.0.1 over lo).
 *
 * As root: an address of TEST-NET-2 (198.51.100.0/24, RFC 5737, never routed) on a dummy
 * interface of its own, or on `lo` when the kernel has no dummy driver, removed by `remove()`
 * (and at exit). Otherwise: the machine's first non-loopback IPv4 address. Neither: throws, so
 * the test fails instead of skipping.
 */
export function nonLoopbackSource(): NonLoopbackSource {
  if (process.getuid?.() === 0 && ip('-V').status === 0) {
    const created = createTestNetAddress();
    if (created) return created;
  }
  const existing = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
  if (existing) return { address: existing, how: 'an address this machine already has', remove: () => undefined };
  throw new Error(
    'No non-loopback source address: run the tests as root (they then add a TEST-NET-2 address and remove it), ' +
      'or on a machine with a non-loopback IPv4 address. The admin rule behind a proxy cannot be tested otherwise.',
  );
}

function createTestNetAddress(): NonLoopbackSource | undefined {
  // One address and interface per test process, so that parallel runs do not collide.
  const link = `att-${process.pid % 100_000}`;
  const hasDummy = ip('link', 'add', link, 'type', 'dummy').status === 0;
  if (hasDummy && ip('link', 'set', link, 'up').status !== 0) {
    ip('link', 'del', link);
    return undefined;
  }
  const device = hasDummy ? link : 'lo';
  for (let attempt = 0; attempt < 20; attempt++) {
    const address = `198.51.100.${1 + ((process.pid + attempt) % 254)}`;
    if (ip('addr', 'add', `${address}/32`, 'dev', device).status !== 0) continue;
    let removed = false;
    const remove = () => {
      if (removed) return;
      removed = true;
      process.off('exit', remove);
      if (hasDummy) ip('link', 'del', link);
      else ip('addr', 'del', `${address}/32`, 'dev', 'lo');
    };
    process.on('exit', remove);
    return { address, how: hasDummy ? `a dummy interface ${link}` : 'an address added to lo', remove };
  }
  if (hasDummy) ip('link', 'del', link);
  return undefined;
}
