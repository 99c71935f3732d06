import type { Command } from '../command.js';
import { ContainerService } from '../../engine/containers.js';
import { LogReader, type LogRecord } from '../../containers/logs.js';
import { parseTimestamp } from '../../images/filters.js';
import { invalid } from '../../errors.js';

export const command: Command = {
  usage: '[OPTIONS] CONTAINER',
  summary: 'Fetch the logs of a container',
  aliases: ['berth container logs', 'berth logs'],
  args: [1, 1],
  flags: [
    { name: 'follow', short: 'f', type: 'bool', help: 'Follow log output' },
    { name: 'tail', short: 'n', type: 'string', value: 'string', default: 'all', help: 'Number of lines to show from the end of the logs' },
    { name: 'timestamps', short: 't', type: 'bool', help: 'Show timestamps' },
    { name: 'since', type: 'string', value: 'string', help: 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m")' },
    { name: 'until', type: 'string', value: 'string', help: 'Show logs before a timestamp or relative' },
    { name: 'details', type: 'bool', help: 'Show extra details provided to logs' },
  ],
  async run(cli, flags, [name]) {
    const svc = new ContainerService(cli.engine);
    const c = await svc.get(name);
    if (c.hostConfig.LogConfig.Type === 'none') throw invalid('configured logging driver does not support reading');
    const tail = flags.tail === 'all' ? Infinity : Number(flags.tail);
    if (Number.isNaN(tail) || tail < 0) throw invalid(`invalid --tail "${String(flags.tail)}"`);
    const since = flags.since ? parseTimestamp(flags.since as string) : -Infinity;
    const until = flags.until ? parseTimestamp(flags.until as string) : Infinity;
    const reader = new LogReader(svc.paths(c.id).log);
    const keep = (r: LogRecord) => {
      const t = Date.parse(r.time);
      return t >= since && t <= until;
    };
    const emit = (recs: LogRecord[]) => {
      for (const r of recs) (r.stream === 'stdout' ? process.stdout : process.stderr).write(flags.timestamps ? `${r.time} ${r.text}` : r.text);
    };
    let first = reader.read().filter(keep);
    if (tail !== Infinity) first = tail === 0 ? [] : first.slice(-tail);
    emit(first);
    if (flags.follow) {
      for (;;) {
        const running = (await svc.reconcile(svc.store.get(c.id) ?? c)).state.Running;
        emit(reader.read().filter(keep));
        if (!running) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    emit(reader.flush().filter(keep));
    reader.close();
  },
};
