import type { Command } from '../command.js';
import { filterFlag, formatFlag } from '../command.js';
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
    const images = await cli.backend.images.list({ filters, all: flags.all as boolean });
    const noTrunc = flags['no-trunc'] as boolean;
    const now = Date.now();
    const rows: Array<Record<string, string>> = [];
    for (const img of images) {
      const created = img.Created * 1000;
      const shared = img.SharedSize ?? -1;
      const base = {
        Containers: img.Containers >= 0 ? String(img.Containers) : 'N/A',
        CreatedAt: goTime(created),
        CreatedSince: timeAgo(created, now),
        ID: noTrunc ? img.Id : img.Id.replace(/^sha256:/, '').slice(0, 12),
        SharedSize: shared >= 0 ? humanSize(shared) : 'N/A',
        Size: humanSize(img.Size),
        UniqueSize: shared >= 0 ? humanSize(img.Size - shared) : 'N/A',
        VirtualSize: humanSize(img.VirtualSize ?? img.Size),
      };
      // familiar `name@digest`, split at the @ (an engine may say "<none>@<none>")
      const digests = (img.RepoDigests ?? []).map((d) => ({ repo: d.slice(0, d.lastIndexOf('@')), digest: d.slice(d.lastIndexOf('@') + 1) }));
      const tags = img.RepoTags ?? [];
      if (tags.length) {
        for (const t of tags) {
          const i = t.lastIndexOf(':');
          const repo = t.slice(0, i);
          rows.push({ ...base, Digest: digests.find((d) => d.repo === repo)?.digest ?? '<none>', Repository: repo, Tag: t.slice(i + 1) });
        }
      } else if (digests.length) {
        for (const d of digests) rows.push({ ...base, Digest: d.digest, Repository: d.repo, Tag: '<none>' });
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
