// pull-cold: pull the big image (~200 MB, 5 gzip layers) into a store that holds none of it.
// Before every run, untimed: berth and podman get a new empty store, docker loses every bench
// image and the layers only they used. A reference line times plain sequential `tar -xzf`
// of the same five layer blobs into an empty dir: the floor for unpacking on this machine.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { check, removeTree } from '../util.js';
import type { BenchContext, Scenario, Subject } from './types.js';

function tarReference(ctx: BenchContext): Subject {
  const dir = join(ctx.tmp, 'pull-cold-tar');
  return {
    name: 'tar -xzf (ref)',
    async before() {
      await removeTree(dir);
      await mkdir(dir, { recursive: true });
    },
    async run() {
      for (const layer of ctx.images.big.layers)
        await check(['tar', '-xzf', layer.path, '-C', dir], { timeoutMs: 10 * 60_000 });
    },
    async teardown() {
      await removeTree(dir);
    },
  };
}

export const pullCold: Scenario = {
  name: 'pull-cold',
  summary: 'pull the big image (5 layers, ~110 MB gzip, ~200 MB unpacked) into an empty store',
  target: { text: 'berth <= 0.5 x min(docker, podman)', ratio: 0.5, against: ['docker', 'podman'] },
  subjects(ctx) {
    const engines: Subject[] = ctx.engines.map((engine) => ({
      name: engine.name,
      engine: engine.name,
      before: () => engine.resetStore(),
      async run() {
        return (await check(engine.pullArgv(ctx.refs.big), { timeoutMs: 10 * 60_000 })).seconds;
      },
      teardown: () => engine.resetStore(),
    }));
    return [...engines, tarReference(ctx)];
  },
};
