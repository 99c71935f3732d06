// Where a container's files live. Persistent: <root>/containers/<id> (upper and work dirs of
// its overlay, its log, its /etc files). Transient: <runroot>/containers/<id> (the OCI bundle,
// the mounted rootfs, conmon's pid files) and <runroot>/exits/<id> (the exit code).
import { join } from 'node:path';
import type { Config } from '../config.js';

/**
 * `exposed`: a --userns=auto container's root is none of the user's ids, so it cannot pass
 * the user's 0700 directories; its root filesystem and /etc files live under a directory it
 * can pass through (mode 0711, listing refused) instead.
 */
export function containerPaths(config: Config, id: string, exposed?: string) {
  const data = join(config.root, 'containers', id);
  const bundle = join(config.runroot, 'containers', id);
  const reachable = exposed ? join(exposed, id) : undefined;
  return {
    data,
    upper: join(data, 'upper'),
    work: join(data, 'work'),
    log: join(data, 'ctr.log'),
    hostname: join(reachable ?? data, 'hostname'),
    hosts: join(reachable ?? data, 'hosts'),
    resolvConf: join(reachable ?? data, 'resolv.conf'),
    bundle,
    rootfs: join(reachable ?? bundle, 'rootfs'),
    /** the container's own directory under `exposed` (--userns=auto), if it has one */
    reachable,
    exitDir: join(config.runroot, 'exits'),
    socketDir: join(config.runroot, 'socket'),
    /** conmon's attach socket, reached through a short symlink (unix socket paths are short) */
    attach: join(config.runroot, 'socket', id.slice(0, 12), 'attach'),
    exitFile: join(config.runroot, 'exits', id),
  };
}

export type ContainerPaths = ReturnType<typeof containerPaths>;
