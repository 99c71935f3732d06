// docker's bind/volume string (`-v` on the CLI, HostConfig.Binds in the API) as a mount.
import { resolve } from 'node:path';
import type { Mount } from '../containers/model.js';
import { invalid } from '../errors.js';

const MODES = ['ro', 'rw', 'z', 'Z', 'private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave', 'nocopy'];

/** /host:/ctr[:opts] (bind), name:/ctr[:opts] (named volume), /ctr (anonymous volume). */
export function parseVolumeSpec(spec: string): Mount {
  const parts = spec.split(':');
  if (parts.length === 1) {
    if (!spec.startsWith('/')) throw invalid(`invalid volume specification "${spec}": the container path must be absolute`);
    return { Type: 'volume', Source: '', Target: spec, ReadOnly: false };
  }
  if (parts.length > 3) throw invalid(`invalid volume specification "${spec}"`);
  const [src, dst, mode = 'rw'] = parts;
  if (!dst.startsWith('/')) throw invalid(`invalid volume specification "${spec}": the container path must be absolute`);
  const opts = mode.split(',');
  for (const o of opts) if (!MODES.includes(o)) throw invalid(`invalid mode "${o}" in volume "${spec}"`);
  const isPath = src.startsWith('/') || src.startsWith('.');
  return { Type: isPath ? 'bind' : 'volume', Source: isPath ? resolve(src) : src, Target: dst, ReadOnly: opts.includes('ro') };
}
