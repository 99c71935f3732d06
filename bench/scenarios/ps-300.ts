// ps-300: `ps -a` (the default table) with 300 containers present, all created and never
// started (`create IMAGE true`). Set-up, untimed: the 300 are created, four commands at a
// time; tear-down removes them. A run that lists fewer than 300 of them fails.
// docker lists every container in its system store, so other containers there (the
// harness never touches them) add to docker's time.
import { containerFlags, containerSubjects, eachLimited } from '../containers.js';
import { exec } from '../engines.js';
import type { Scenario } from './types.js';

const COUNT = 300;

export const ps300: Scenario = {
  name: 'ps-300',
  summary: `list all containers (\`ps -a\`) with ${COUNT} created containers present`,
  target: { text: 'berth <= 0.5 x docker', ratio: 0.5, against: ['docker'] },
  subjects(ctx) {
    return containerSubjects(ctx, {
      async setup(engine, image) {
        const slots = Array.from({ length: COUNT }, (_, i) => i);
        await eachLimited(slots, 4, async () => {
          await exec(engine, ['create', ...containerFlags(engine), image, 'true'], 120_000);
        });
      },
      async run(engine, image) {
        const r = await exec(engine, ['ps', '-a'], 120_000);
        // The IMAGE column shows the name the containers were created with.
        const listed = r.stdout.split('\n').filter((l) => l.includes(image)).length;
        if (listed < COUNT) throw new Error(`\`ps -a\` listed ${listed} of the ${COUNT} containers`);
        return r.seconds;
      },
    });
  },
};
