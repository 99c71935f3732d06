// run-d-50: 50 `run -d IMAGE sleep 600` one after the other, measured as one run (the sum
// of the 50 commands' wall times): the cost of starting a batch of services. After each
// run, untimed, the 50 containers are removed again (`rm -f`), so that every run starts
// from the same state and no engine's containers idle while another engine is measured.
import { containerFlags, containerSubjects, printedId } from '../containers.js';
import { exec, removeContainers } from '../engines.js';
import type { Scenario } from './types.js';

const COUNT = 50;

export const runD50: Scenario = {
  name: 'run-d-50',
  summary: `start ${COUNT} detached containers in a row (\`run -d IMAGE sleep 600\`, sequential)`,
  target: { text: 'berth <= 0.5 x docker', ratio: 0.5, against: ['docker'] },
  subjects(ctx) {
    // Tear-down also catches containers whose ID a failed run never got to print.
    return containerSubjects(ctx, {
      async run(engine, image) {
        const ids: string[] = [];
        let seconds = 0;
        try {
          for (let i = 0; i < COUNT; i++) {
            const r = await exec(engine, ['run', '-d', ...containerFlags(engine), image, 'sleep', '600'], 120_000);
            seconds += r.seconds;
            ids.push(printedId(r.stdout));
          }
        } finally {
          await removeContainers(engine, ids);
        }
        return seconds;
      },
    });
  },
};
