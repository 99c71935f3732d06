// `ps --filter` and the API's GET /containers/json?filters=: one set of rules for both doors.
import type { ContainerRecord } from '../containers/model.js';
import type { ContainerService } from './containers.js';
import type { ImageStore } from '../images/image-store.js';
import { labelMatches, parseFilters, parseTimestamp } from '../images/filters.js';
import { familiarName, parseReference, repositoryName } from '../images/reference.js';

export const CONTAINER_FILTERS = ['status', 'name', 'label', 'ancestor', 'exited', 'id', 'health', 'volume', 'before', 'since', 'network', 'pod'] as const;

/** `container prune`'s filters (the CLI's and the API's): until=TIMESTAMP, label=... */
export function pruneFilters(list: string[]): { until?: number; labels: string[] } {
  const f = parseFilters(list, ['until', 'label']);
  return { until: f.get('until') ? parseTimestamp(f.get('until')![0]) : undefined, labels: f.get('label') ?? [] };
}

/** Whether the filters ask for stopped containers too (docker lists all then). */
export function filtersNeedAll(f: Map<string, string[]>): boolean {
  return f.has('status') || f.has('exited');
}

function matches(c: ContainerRecord, f: Map<string, string[]>, images: ImageStore, podNames: Map<string, string>): boolean {
  const any = (key: string, pred: (v: string) => boolean) => !f.has(key) || f.get(key)!.some(pred);
  return (
    any('status', (v) => v === c.state.Status) &&
    any('name', (v) => new RegExp(v).test(c.name)) &&
    any('id', (v) => c.id.startsWith(v)) &&
    any('health', (v) => (c.state.Health?.Status ?? 'none') === v) &&
    any('volume', (v) => (c.hostConfig.Mounts ?? []).some((m) => m.Source === v || m.Target === v)) &&
    any('exited', (v) => !c.state.Running && c.state.Status === 'exited' && c.state.ExitCode === Number(v)) &&
    any('pod', (v) => !!c.hostConfig.Pod && (c.hostConfig.Pod.startsWith(v) || podNames.get(c.hostConfig.Pod) === v)) &&
    any('network', (v) => c.hostConfig.NetworkMode === v || (c.hostConfig.Networks ?? []).some((n) => n.network === v) || Object.values(c.state.Networks ?? {}).some((n) => n.NetworkID.startsWith(v))) &&
    (f.get('label') ?? []).every((l) => labelMatches(c.config.Labels, l)) &&
    any('ancestor', (v) => {
      const img = images.tryResolve(v);
      if (img && img.image.id === c.imageId) return true;
      try {
        return familiarName(repositoryName(parseReference(c.image))) === familiarName(repositoryName(parseReference(v)));
      } catch {
        return false;
      }
    })
  );
}

/** The containers of `list` that pass every filter, before/since included. */
export async function filterContainers(svc: ContainerService, images: ImageStore, list: ContainerRecord[], f: Map<string, string[]>): Promise<ContainerRecord[]> {
  // Pods by name: the pods table, read only when a pod filter asks.
  const podNames = new Map<string, string>(f.has('pod') ? (images.db.prepare('SELECT id, name FROM pods').all() as Array<{ id: string; name: string }>).map((p) => [p.id, p.name]) : []);
  let out = list.filter((c) => matches(c, f, images, podNames));
  for (const key of ['before', 'since'] as const) {
    for (const v of f.get(key) ?? []) {
      const pivot = Date.parse((await svc.get(v)).created);
      out = out.filter((c) => (key === 'before' ? Date.parse(c.created) < pivot : Date.parse(c.created) > pivot));
    }
  }
  return out;
}
