// What the container scenarios share: the image they run (the small busybox image, pulled
// from the bench registry under the same name on every engine), the flags every container
// gets, and a small helper to run set-up commands a few at a time.
import { readFileSync } from 'node:fs';
import { check } from './util.js';
import { CONTAINER_LABEL, removeBenchContainers, type Engine } from './engines.js';
import type { BenchContext, Subject } from './scenarios/types.js';

/**
 * Flags of every `run` and `create`: the network (by default none, so that nobody sets up a
 * network namespace with a bridge where the scenario is not about networks; `network: null`
 * leaves the flag out, so the container gets the engine's default bridge network) and the
 * label that clean-up goes by. podman also gets explicit ulimits: as root it asks runc for
 * RLIMIT_NOFILE 1048576 by default, and on these hosts root lacks CAP_SYS_RESOURCE and the
 * hard limit is lower, so runc fails with EPERM (`--ulimit host` does not help in podman 4.3,
 * and its NPROC default fails the same way). It gets the harness's own hard NOFILE limit,
 * which is also what berth gives a container, and NPROC 32768, the hard limit podman leaves
 * its conmon with.
 */
export function containerFlags(engine: Engine, opts: { network?: string | null } = {}): string[] {
  const network = opts.network === undefined ? 'none' : opts.network;
  const flags = [...(network === null ? [] : ['--network', network]), '--label', CONTAINER_LABEL];
  if (engine.name === 'podman') {
    const nofile = Math.min(1048576, ownHardLimit('Max open files') ?? 1048576);
    flags.push('--ulimit', `nofile=${nofile}:${nofile}`, '--ulimit', 'nproc=32768:32768');
  }
  return flags;
}

/** A hard limit of this process from /proc/self/limits (undefined when unlimited or missing). */
function ownHardLimit(name: string): number | undefined {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(name));
  const hard = line?.slice(name.length).trim().split(/\s+/)[1];
  return hard && /^\d+$/.test(hard) ? Number(hard) : undefined;
}

/**
 * Untimed set-up of a container scenario: removes bench containers an earlier scenario or an
 * interrupted run left behind, and pulls the small image (busybox, labelled berth.bench=small
 * so docker's image clean-up finds it). Returns the image name, the same for every engine.
 */
export async function prepareContainerImage(engine: Engine, ctx: BenchContext): Promise<string> {
  await removeBenchContainers(engine);
  await check(engine.pullArgv(ctx.refs.small), { timeoutMs: 5 * 60_000 });
  return ctx.refs.small;
}

/** The container ID that `run -d` and `create` print (their last line of output). */
export function printedId(stdout: string): string {
  const id = stdout.trim().split('\n').pop()?.trim() ?? '';
  if (!/^[0-9a-f]{12,64}$/.test(id)) throw new Error(`expected a container ID, got ${JSON.stringify(stdout.trim().slice(-200))}`);
  return id;
}

/** Calls fn on every item with at most `limit` calls under way; rejects with the first error. */
export async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: { error: unknown } | null = null;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (error) {
        failed ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed) throw (failed as { error: unknown }).error;
}

/**
 * One subject per engine for a container scenario: the busybox image is prepared first
 * (untimed), `run` gets its name, and tear-down removes the bench's containers (plus
 * whatever `teardown` adds).
 */
export function containerSubjects(
  ctx: BenchContext,
  hooks: { setup?(engine: Engine, image: string): Promise<void>; run(engine: Engine, image: string): Promise<number>; teardown?(engine: Engine): Promise<void> },
): Subject[] {
  return ctx.engines.map((engine): Subject => {
    let image = '';
    return {
      name: engine.name,
      engine: engine.name,
      async setup() {
        image = await prepareContainerImage(engine, ctx);
        await hooks.setup?.(engine, image);
      },
      run: () => hooks.run(engine, image),
      async teardown() {
        await removeBenchContainers(engine);
        await hooks.teardown?.(engine);
      },
    };
  });
}
