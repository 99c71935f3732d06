// run-rm-usernet: `run --rm --network berthbench-net IMAGE true` on a user-defined bridge
// network: run-rm plus what a network costs a short-lived container (its namespace, a veth
// on the network's bridge, an address, the firewall rules and the DNS entry, all set up at
// start and taken down again at exit). Set-up, untimed: the small image is pulled and the
// network created (`network create berthbench-net`, after removing one an interrupted run
// left behind); tear-down removes it.
import { containerFlags, containerSubjects } from '../containers.js';
import { exec, removeBenchNetworks, NETWORK_PREFIX } from '../engines.js';
import type { Scenario } from './types.js';

const NETWORK = `${NETWORK_PREFIX}-net`;

export const runRmUsernet: Scenario = {
  name: 'run-rm-usernet',
  summary: `run a container that exits at once on a user-defined network (\`run --rm --network ${NETWORK} IMAGE true\`)`,
  target: { text: 'berth <= 0.5 x docker', ratio: 0.5, against: ['docker'] },
  subjects(ctx) {
    // Tear-down removes containers a failed run left behind first: they would keep the network in use.
    return containerSubjects(ctx, {
      async setup(engine) {
        await removeBenchNetworks(engine);
        await exec(engine, ['network', 'create', NETWORK], 120_000);
      },
      async run(engine, image) {
        const argv = ['run', '--rm', ...containerFlags(engine, { network: NETWORK }), image, 'true'];
        return (await exec(engine, argv, 120_000)).seconds;
      },
      teardown: (engine) => removeBenchNetworks(engine),
    });
  },
};
