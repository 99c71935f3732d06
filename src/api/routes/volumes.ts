// /volumes/...: translations to VolumeService.
import { bool, filters, json, noContent, readJson, type ApiRequest } from '../http.js';
import type { Router } from '../router.js';
import { VolumeService } from '../../engine/volumes.js';
import { invalid } from '../../errors.js';
import { volumeView } from '../views.js';

function kv(v: unknown, name: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) throw invalid(`invalid ${name}: expected an object of strings`);
  return v as Record<string, string>;
}

function list(r: ApiRequest): void {
  json(r, 200, { Volumes: new VolumeService(r.engine).list(filters(r.query)).map((v) => volumeView(v)), Warnings: [] });
}

async function create(r: ApiRequest): Promise<void> {
  const body = await readJson(r.req, {} as Record<string, unknown>);
  if (body.Name !== undefined && typeof body.Name !== 'string') throw invalid('invalid Name: expected a string');
  const v = new VolumeService(r.engine).create({ name: (body.Name as string) || undefined, driver: typeof body.Driver === 'string' && body.Driver ? body.Driver : 'local', labels: kv(body.Labels, 'Labels'), options: kv(body.DriverOpts, 'DriverOpts') });
  json(r, 201, volumeView(v));
}

function inspect(r: ApiRequest): void {
  json(r, 200, volumeView(new VolumeService(r.engine).store.inspect(r.params.name)));
}

async function remove(r: ApiRequest): Promise<void> {
  await new VolumeService(r.engine).remove(r.params.name, bool(r.query, 'force'));
  noContent(r);
}

async function prune(r: ApiRequest): Promise<void> {
  const f = filters(r.query);
  const all = f.some((x) => x === 'all=true' || x === 'all=1');
  const removed = await new VolumeService(r.engine).prune({ all, filters: f });
  json(r, 200, { VolumesDeleted: removed, SpaceReclaimed: 0 });
}

export function volumeRoutes(router: Router): void {
  router
    .get('/volumes', list)
    .post('/volumes/create', create)
    .post('/volumes/prune', prune)
    .get('/volumes/{name}', inspect)
    .delete('/volumes/{name}', remove);
}
