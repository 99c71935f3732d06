// monitor-rss: not a timing. With 10 detached containers running (`run -d IMAGE sleep 600`,
// started in set-up), each run reads the resident set (VmRSS in /proc/PID/status) of the
// 10 per-container monitor processes and reports their average in kB: berth's and podman's
// conmon, docker's containerd-shim-runc-v2. Every container must have exactly one monitor.
import { readdir, readFile } from 'node:fs/promises';
import { containerFlags, prepareContainerImage, printedId } from '../containers.js';
import { exec, removeBenchContainers, type EngineName } from '../engines.js';
import type { Scenario, Subject } from './types.js';

const COUNT = 10;

/** How each engine's monitor shows in its command line: the program and the flag before the container ID. */
const MONITORS: Record<EngineName, { program: string; idFlag: string }> = {
  berth: { program: 'conmon', idFlag: '-c' },
  podman: { program: 'conmon', idFlag: '-c' },
  docker: { program: 'containerd-shim-runc-v2', idFlag: '-id' },
};

interface Proc {
  pid: number;
  argv: string[];
}

async function processes(): Promise<Proc[]> {
  const out: Proc[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    // A process may exit between readdir and read: skip it.
    const raw = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (raw) out.push({ pid: Number(name), argv: raw.replace(/\0$/, '').split('\0') });
  }
  return out;
}

/** The monitor pid of each container (IDs as printed, full or a 12+ character prefix). */
async function monitorPids(engine: EngineName, ids: readonly string[]): Promise<number[]> {
  const { program, idFlag } = MONITORS[engine];
  const monitors = (await processes()).filter((p) => p.argv[0].split('/').pop() === program);
  return ids.map((id) => {
    const found = monitors.filter((p) => p.argv.some((a, i) => i > 0 && p.argv[i - 1] === idFlag && a.startsWith(id)));
    if (found.length !== 1)
      throw new Error(`${found.length} ${program} processes for container ${id.slice(0, 12)} (want one)`);
    return found[0].pid;
  });
}

async function rssKb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]);
}

export const monitorRss: Scenario = {
  name: 'monitor-rss',
  summary: `average RSS of the per-container monitor with ${COUNT} detached containers running`,
  target: { text: 'berth <= 2048 kB', max: 2048 },
  unit: 'kB',
  subjects(ctx) {
    return ctx.engines.map((engine): Subject => {
      const ids: string[] = [];
      return {
        name: engine.name,
        engine: engine.name,
        async setup() {
          const image = await prepareContainerImage(engine, ctx);
          for (let i = 0; i < COUNT; i++) {
            const r = await exec(engine, ['run', '-d', ...containerFlags(engine), image, 'sleep', '600'], 120_000);
            ids.push(printedId(r.stdout));
          }
        },
        async run() {
          const pids = await monitorPids(engine.name, ids);
          const kb = await Promise.all(pids.map(rssKb));
          return kb.reduce((a, b) => a + b, 0) / kb.length;
        },
        teardown: () => removeBenchContainers(engine),
      };
    });
  },
};
