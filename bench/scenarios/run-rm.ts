// run-rm: `run --rm IMAGE true`, the whole life of a short-lived container in the
// foreground: create (rootfs, spec), start under the monitor, wait for the exit, remove.
// Set-up, untimed: the small busybox image is pulled; nothing is left between runs.
import { containerFlags, containerSubjects } from '../containers.js';
import { exec } from '../engines.js';
import type { Scenario } from './types.js';

export const runRm: Scenario = {
  name: 'run-rm',
  summary: 'run a container that exits at once (`run --rm IMAGE true`)',
  target: { text: 'berth <= 0.33 x docker, <= 0.3 x podman', each: { docker: 0.33, podman: 0.3 } },
  subjects(ctx) {
    return containerSubjects(ctx, {
      run: async (engine, image) => (await exec(engine, ['run', '--rm', ...containerFlags(engine), image, 'true'], 120_000)).seconds,
    });
  },
};
