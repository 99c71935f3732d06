// pull-present: pull the big image when the store already holds all of it. What is left is
// the registry round trips (manifest, maybe config) and the engine's own start-up and
// bookkeeping: the cost of `pull` in a script or CI job that runs it every time.
import { check } from '../util.js';
import type { Scenario, Subject } from './types.js';

export const pullPresent: Scenario = {
  name: 'pull-present',
  summary: 'pull the big image again when it is already in the store',
  target: { text: 'berth <= 1.5 x docker', ratio: 1.5, against: ['docker'] },
  subjects(ctx) {
    return ctx.engines.map(
      (engine): Subject => ({
        name: engine.name,
        engine: engine.name,
        async setup() {
          await engine.resetStore();
          await check(engine.pullArgv(ctx.refs.big), { timeoutMs: 10 * 60_000 });
        },
        async run() {
          return (await check(engine.pullArgv(ctx.refs.big), { timeoutMs: 10 * 60_000 })).seconds;
        },
        teardown: () => engine.resetStore(),
      }),
    );
  },
};
