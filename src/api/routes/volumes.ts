// /volumes/...: translations to VolumeService.
import { bool, filters, json, noContent, readJson, type ApiRequest } from '../http.js';
import type { Router } from '../router.js';
import { VolumeService } from '../../engine/volumes.js';
import { volumeCreateOptions } from '../bodies.js';
import { volumeView } from '../views.js';

function list(r: ApiRequest): void {
  json(r, 200, { Volumes: new VolumeService(r.engine).list(filters(r.query)).map((v) => volumeView(v)), Warnings: [] });
}

async function create(r: ApiRequest): Promise<void> {
  json(r, 201, volumeView(new VolumeService(r.engine).create(volumeCreateOptions(await readJson(r.req, {} as Record<string, unknown>)))));
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
