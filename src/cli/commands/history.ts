import type { Command } from '../command.js';
import { formatFlag } from '../command.js';
import { formatList } from '../format.js';
import { humanSize, timeAgo } from '../../util/units.js';
import { goTime } from '../../util/time.js';

export const command: Command = {
  usage: '[OPTIONS] IMAGE',
  summary: 'Show the history of an image',
  aliases: ['berth image history', 'berth history'],
  args: [1, 1],
  flags: [
    formatFlag,
    { name: 'human', short: 'H', type: 'bool', default: true, help: 'Print sizes and dates in human readable format' },
    { name: 'no-trunc', type: 'bool', help: "Don't truncate output" },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Only show image IDs' },
  ],
  async run(cli, flags, [name]) {
    const human = flags.human as boolean;
    const noTrunc = flags['no-trunc'] as boolean;
    const now = Date.now();
    const rows = (await cli.backend.images.history(name)).map((h) => {
      let createdBy = h.CreatedBy.replace(/\t/g, ' ');
      if (!noTrunc && createdBy.length > 45) createdBy = createdBy.slice(0, 44) + '…';
      const created = h.Created * 1000;
      return {
        ID: noTrunc || h.Id === '<missing>' ? h.Id : h.Id.replace(/^sha256:/, '').slice(0, 12),
        CreatedSince: human ? (created ? timeAgo(created, now) : 'N/A') : created ? new Date(created).toISOString().replace(/\.\d+Z$/, 'Z') : 'N/A',
        CreatedAt: created ? goTime(created) : 'N/A',
        CreatedBy: createdBy,
        Size: human ? humanSize(h.Size) : String(h.Size),
        Comment: h.Comment,
        Tags: (h.Tags ?? []).join(', '),
      };
    });
    cli.out(
      formatList({
        format: flags.format as string | undefined,
        rows,
        defaultTable: 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}',
        quiet: flags.quiet as boolean,
        quietField: (r) => r.ID,
        headers: { ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT' },
      }),
    );
  },
};
