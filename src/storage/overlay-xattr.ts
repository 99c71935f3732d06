// Where overlayfs keeps its markers. Mounted by the host's root it uses trusted.overlay.*;
// mounted inside a user namespace (rootless) it can only use user.overlay.* (the `userxattr`
// mount option), and so must every layer unpacked for it.
import { inUserNamespace } from '../platform/userns.js';

let unprivileged: boolean | undefined;

/** Whether overlay mounts here are made inside a user namespace. */
export function unprivilegedOverlay(): boolean {
  return (unprivileged ??= inUserNamespace());
}

export function opaqueXattr(): string {
  return unprivilegedOverlay() ? 'user.overlay.opaque' : 'trusted.overlay.opaque';
}

export type RootlessOverlay = 'auto' | 'native' | 'fuse-overlayfs';

let rootlessOverlay: RootlessOverlay = 'auto';

/** How rootless berth mounts overlays ([storage] rootless_overlay). */
export function setRootlessOverlay(mode: RootlessOverlay): void {
  rootlessOverlay = mode;
}

export function rootlessOverlayMode(): RootlessOverlay {
  return rootlessOverlay;
}
