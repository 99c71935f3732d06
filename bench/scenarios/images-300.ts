// images-300: list images (`images`, the default table) with 300 distinct images present.
// Set-up, untimed: an empty store, then `load -i` of one docker-archive holding 300 small
// images (a shared busybox layer plus one tiny layer each, each its own config and tag).
// Every run must list all 300, or it counts as a failure.
import { check } from '../util.js';
import { exec } from '../engines.js';
import type { Scenario, Subject } from './types.js';

function countListed(stdout: string): number {
  return stdout.split('\n').filter((l) => l.includes('bench/many-')).length;
}

export const images300: Scenario = {
  name: 'images-300',
  summary: 'list images (`images`) with 300 distinct images in the store',
  target: { text: 'berth <= 0.5 x docker', ratio: 0.5, against: ['docker'] },
  subjects(ctx) {
    const want = ctx.images.many.count;
    return ctx.engines.map(
      (engine): Subject => ({
        name: engine.name,
        engine: engine.name,
        async setup() {
          await engine.resetStore();
          await exec(engine, ['load', '-i', ctx.images.many.path], 15 * 60_000);
        },
        async run() {
          const r = await check(engine.argv(['images']), { timeoutMs: 120_000 });
          const n = countListed(r.stdout);
          if (n < want) throw new Error(`\`images\` listed ${n} of the ${want} loaded images`);
          return r.seconds;
        },
        teardown: () => engine.resetStore(),
      }),
    );
  },
};
