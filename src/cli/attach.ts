// Following a container in the foreground (`run` without -d, `start -a`): its output comes
// from the log file conmon writes, read from a descriptor opened before the start (so it
// stays readable if --rm removes the file), until conmon records the exit code.
import { closeSync, openSync } from 'node:fs';
import type { Cli } from './command.js';
import type { ContainerService } from '../engine/containers.js';
import type { ContainerRecord } from '../containers/model.js';
import { LogReader, type LogRecord } from '../containers/logs.js';

export async function followToExit(cli: Cli, svc: ContainerService, c: ContainerRecord, opts: { sigProxy: boolean; start: boolean }): Promise<number> {
  const paths = svc.paths(c.id);
  closeSync(openSync(paths.log, 'a', 0o640));
  const reader = new LogReader(paths.log);
  reader.open();
  const emit = (recs: LogRecord[]) => {
    for (const r of recs) (r.stream === 'stdout' ? process.stdout : process.stderr).write(r.text);
  };
  const forward = (sig: NodeJS.Signals) => {
    svc.runtime(c).kill(c.id, sig).catch(() => undefined);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
  if (opts.sigProxy) for (const s of signals) process.on(s, forward);
  try {
    if (opts.start) await svc.start(c.id);
    let code: number | undefined;
    let idle = 5;
    for (;;) {
      emit(reader.read());
      code = svc.exitCodeOf(c.id);
      if (code !== undefined) break;
      await new Promise((r) => setTimeout(r, idle));
      idle = Math.min(idle * 2, 50);
      if (idle === 50) {
        const rec = svc.store.get(c.id);
        if (rec && !(await svc.reconcile(rec)).state.Running) {
          code = svc.exitCodeOf(c.id) ?? rec.state.ExitCode;
          break;
        }
      }
    }
    emit(reader.read());
    emit(reader.flush());
    // `run --rm` returns once the container is gone, as docker's does.
    if (c.hostConfig.AutoRemove) await svc.cleanup(c.id).catch(() => undefined);
    return code;
  } finally {
    reader.close();
    if (opts.sigProxy) for (const s of signals) process.off(s, forward);
    void cli;
  }
}
