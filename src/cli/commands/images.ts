import type { Command } from '../command.js';
import { filterFlag, formatFlag } from '../command.js';
import { ImageService } from '../../engine/images.js';
import { familiarName, splitTagged } from '../../images/reference.js';
import { formatList } from '../format.js';
import { humanSize, timeAgo } from '../../util/units.js';
import { goTime } from '../../util/time.js';

export const command: Command = {
  usage: '[OPTIONS] [REPOSITORY[:TAG]]',
  summary: 'List images',
  aliases: ['berth image ls', 'berth image list', 'berth images'],
  args: [0, 1],
  flags: [
    { name: 'all', short: 'a', type: 'bool', help: 'Show all images (default hides intermediate images)' },
    { name: 'digests', type: 'bool', help: 'Show digests' },
    filterFlag,
    formatFlag,
    { name: 'no-trunc', type: 'bool', help: "Don't truncate output" },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Only show image IDs' },
  ],
  async run(cli, flags, args) {
    const filters = [...(flags.filter as string[])];
    if (args[0]) filters.push(`reference=${args[0]}`);
    const images = new ImageService(cli.engine).list({ filters, all: flags.all as boolean });
    const noTrunc = flags['no-trunc'] as boolean;
    const now = Date.now();
    const rows: Array<Record<string, string>> = [];
    for (const img of images) {
      const id = noTrunc ? img.id : img.id.slice(7, 19);
      const base = {
        Containers: 'N/A',
        CreatedAt: goTime(img.created),
        CreatedSince: timeAgo(img.created, now),
        ID: id,
        SharedSize: 'N/A',
        Size: humanSize(img.size),
        UniqueSize: 'N/A',
        VirtualSize: humanSize(img.size),
      };
      const digestOf = (repo: string) => img.record.digests.find((d) => d.repo === repo)?.digest ?? '<none>';
      if (img.repoTags.length) {
        for (const t of img.repoTags) {
          const { repo, tag } = splitTagged(t);
          rows.push({ ...base, Digest: digestOf(repo), Repository: familiarName(repo), Tag: tag });
        }
      } else if (img.record.digests.length) {
        for (const d of img.record.digests) rows.push({ ...base, Digest: d.digest, Repository: familiarName(d.repo), Tag: '<none>' });
      } else {
        rows.push({ ...base, Digest: '<none>', Repository: '<none>', Tag: '<none>' });
      }
    }
    const defaultTable = flags.digests
      ? 'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}'
      : 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';
    cli.out(
      formatList({
        format: flags.format as string | undefined,
        rows,
        defaultTable,
        quiet: flags.quiet as boolean,
        quietField: (r) => r.ID,
        headers: { ID: 'IMAGE ID', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', Repository: 'REPOSITORY', Tag: 'TAG', Digest: 'DIGEST', Size: 'SIZE' },
      }),
    );
  },
};
