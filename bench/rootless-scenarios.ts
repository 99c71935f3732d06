// The rootless scenarios: berth rootless against podman rootless, both run by the bench user
// (rootless.ts) in the same harness run. run.ts hands them a context whose engines are the
// rootless ones, so the shared container helpers work unchanged. They run only when named
// (`rootless` names all three); their results go to bench/results/rootless-latest.json by
// default.
//
// - rootless-run-rm: `run --rm IMAGE true` on each engine's default rootless network
//   (berth: its `bridge` network inside the user's network namespace, connected outward by
//   one slirp4netns for all containers; podman 4.3: a slirp4netns of its own per container).
// - rootless-run-rm-none: the same with `--network none`, so the cost of networking shows
//   separately (the difference between the two lines).
// - rootless-port-throughput: the port-throughput scenario as it is (nc + dd sink in the
//   container, 2 GiB from the harness through a port published on 127.0.0.1), on the default
//   networks: berth forwards the port through slirp4netns's host forward (add_hostfwd) to its
//   namespace and netavark's DNAT, podman through rootlessport.
//
// The networked ones need /dev/net/tun to be usable by the user (mode 0666); when it is not,
// they say so and measure nothing.
import { containerFlags, containerSubjects } from './containers.js';
import { exec } from './engines.js';
import { tunProblem } from './rootless.js';
import { portThroughput } from './scenarios/port-throughput.js';
import type { BenchContext, Scenario, Subject } from './scenarios/types.js';
import { log } from './util.js';

/** A scenario run on the rootless engines; `skipped` says why it measures nothing here. */
export interface RootlessScenario extends Scenario {
  rootless: true;
  skipped(): string | null;
}

const RUN_TIMEOUT = 120_000;

function needsNetwork(name: string, subjects: (ctx: BenchContext) => Subject[]): (ctx: BenchContext) => Subject[] {
  return (ctx) => {
    const why = tunProblem();
    if (why) {
      log(`${name}: skipped: ${why}`);
      return [];
    }
    return subjects(ctx);
  };
}

export const rootlessRunRm: RootlessScenario = {
  name: 'rootless-run-rm',
  rootless: true,
  summary: 'rootless: run a container that exits at once on the default network (`run --rm IMAGE true`)',
  target: { text: 'berth <= 0.5 x podman (rootless)', ratio: 0.5, against: ['podman'] },
  skipped: tunProblem,
  subjects: needsNetwork('rootless-run-rm', (ctx) =>
    containerSubjects(ctx, {
      run: async (engine, image) =>
        (await exec(engine, ['run', '--rm', ...containerFlags(engine, { network: null }), image, 'true'], RUN_TIMEOUT)).seconds,
    }),
  ),
};

export const rootlessRunRmNone: RootlessScenario = {
  name: 'rootless-run-rm-none',
  rootless: true,
  summary: 'rootless: run a container that exits at once without a network (`run --rm --network none IMAGE true`)',
  target: { text: 'berth <= 0.5 x podman (rootless)', ratio: 0.5, against: ['podman'] },
  skipped: () => null,
  subjects: (ctx) =>
    containerSubjects(ctx, {
      run: async (engine, image) => (await exec(engine, ['run', '--rm', ...containerFlags(engine), image, 'true'], RUN_TIMEOUT)).seconds,
    }),
};

export const rootlessPortThroughput: RootlessScenario = {
  name: 'rootless-port-throughput',
  rootless: true,
  summary: `rootless: ${portThroughput.summary}`,
  target: { text: 'berth >= podman (rootless)', ratio: 1, against: ['podman'] },
  unit: portThroughput.unit,
  higherIsBetter: true,
  skipped: tunProblem,
  subjects: needsNetwork('rootless-port-throughput', (ctx) => portThroughput.subjects(ctx)),
};

export const rootlessScenarios: RootlessScenario[] = [rootlessRunRm, rootlessRunRmNone, rootlessPortThroughput];

export function isRootlessScenario(s: Scenario): s is RootlessScenario {
  return (s as Partial<RootlessScenario>).rootless === true;
}
