// Where a container's files live. Persistent: <root>/containers/<id> (upper and work dirs of
// its overlay, its log, its /etc files). Transient: <runroot>/containers/<id> (the OCI bundle,
// the mounted rootfs, conmon's pid files) and <runroot>/exits/<id> (the exit code).
import { join } from 'node:path';
import type { Config } from '../config.js';

export function containerPaths(config: Config, id: string) {
  const data = join(config.root, 'containers', id);
  const bundle = join(config.runroot, 'containers', id);
  return {
    data,
    upper: join(data, 'upper'),
    work: join(data, 'work'),
    log: join(data, 'ctr.log'),
    hostname: join(data, 'hostname'),
    hosts: join(data, 'hosts'),
    resolvConf: join(data, 'resolv.conf'),
    bundle,
    rootfs: join(bundle, 'rootfs'),
    exitDir: join(config.runroot, 'exits'),
    socketDir: join(config.runroot, 'socket'),
    /** conmon's attach socket, reached through a short symlink (unix socket paths are short) */
    attach: join(config.runroot, 'socket', id.slice(0, 12), 'attach'),
    exitFile: join(config.runroot, 'exits', id),
  };
}

export type ContainerPaths = ReturnType<typeof containerPaths>;
