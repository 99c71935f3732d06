// run-rm-usernet: `run --rm --network berthbench-net IMAGE true` on a user-defined bridge
// network: run-rm plus what a network costs a short-lived container (its namespace, a veth
// on the network's bridge, an address, the firewall rules and the DNS entry, all set up at
// start and taken down again at exit). Set-up, untimed: the small image is pulled and the
// network created (`network create berthbench-net`, after removing one an interrupted run
// left behind); tear-down removes it.
import { containerFlags, prepareContainerImage } from '../containers.js';
import { exec, removeBenchContainers, removeBenchNetworks, NETWORK_PREFIX } from '../engines.js';
import type { Scenario, Subject } from './types.js';

const NETWORK = `${NETWORK_PREFIX}-net`;

export const runRmUsernet: Scenario = {
  name: 'run-rm-usernet',
  summary: `run a container that exits at once on a user-defined network (\`run --rm --network ${NETWORK} IMAGE true\`)`,
  target: { text: 'berth <= 0.5 x docker', ratio: 0.5, against: ['docker'] },
  subjects(ctx) {
    return ctx.engines.map((engine): Subject => {
      let image = '';
      return {
        name: engine.name,
        engine: engine.name,
        async setup() {
          image = await prepareContainerImage(engine, ctx);
          await removeBenchNetworks(engine);
          await exec(engine, ['network', 'create', NETWORK], 120_000);
        },
        async run() {
          const argv = ['run', '--rm', ...containerFlags(engine, { network: NETWORK }), image, 'true'];
          return (await exec(engine, argv, 120_000)).seconds;
        },
        // --rm removes the container; this catches one that a failed run left behind, which
        // would keep the network in use.
        async teardown() {
          await removeBenchContainers(engine);
          await removeBenchNetworks(engine);
        },
      };
    });
  },
};
