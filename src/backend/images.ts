// The image half of the engine interface (see backend.ts): docker's image endpoints in the
// Engine API's shapes. A command is written once against this; the local implementation is
// backend/local/images.ts, the remote one backend/remote/images.ts.
import type { Readable, Writable } from 'node:stream';
import type { BuildEvent } from '../build/builder.js';
import { BerthError } from '../errors.js';
import type { ProgressSink } from '../images/progress.js';
import type { ArchiveFormat } from '../images/archive.js';

/** GET /images/json, one entry. */
export interface ImageSummary {
  Id: string;
  ParentId: string;
  /** familiar `name:tag` */
  RepoTags: string[];
  /** familiar `name@digest` */
  RepoDigests: string[];
  /** seconds since the epoch */
  Created: number;
  Size: number;
  SharedSize: number;
  VirtualSize?: number;
  Labels: Record<string, string> | null;
  /** containers using it; -1 when the engine did not count */
  Containers: number;
}

/** GET /images/{name}/json, with the fields the CLI reads typed. */
export interface ImageInspect extends Record<string, unknown> {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
}

/** GET /images/{name}/history, one entry (newest first). */
export interface HistoryItem {
  /** the image id for the top entry, "<missing>" below it */
  Id: string;
  /** seconds since the epoch, 0 when unknown */
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

/** DELETE /images/{name} and image prune, one entry: a reference removed, or an image (or layer) deleted. */
export interface DeleteItem {
  Untagged?: string;
  Deleted?: string;
}

export interface PruneReport {
  ImagesDeleted: DeleteItem[] | null;
  SpaceReclaimed: number;
}

/** One tag pushed: the aux message of docker's push stream. */
export interface PushedTag {
  Tag: string;
  Digest: string;
  Size: number;
}

export type { ArchiveFormat } from '../images/archive.js';

export interface ImportOptions {
  /** the tarball's path or http(s) URL, or "-" for `input` */
  source: string;
  input?: Readable;
  /** the new image's name, [REPOSITORY[:TAG]] */
  reference?: string;
  changes: string[];
  message?: string;
  platform?: string;
}

export interface CommitOptions {
  /** the new image's name, [REPOSITORY[:TAG]] */
  reference?: string;
  changes: string[];
  message?: string;
  author?: string;
  pause: boolean;
}

export interface BuildOptions {
  /** a context directory, a tar (plain or compressed) holding the context, or none (`build - < Dockerfile`) */
  context: { dir: string } | { tar: Readable } | { none: true };
  /** the Dockerfile: a path (relative to the current directory for a directory context, to the tar's root for a tar), or its text */
  dockerfile?: { path: string } | { text: string };
  tags: string[];
  buildArgs: Map<string, string>;
  target?: string;
  noCache?: boolean;
  pull?: boolean;
  labels: Record<string, string>;
  secrets: Map<string, { file?: string; value?: string }>;
  network: string;
  platform?: string;
  quiet: boolean;
}

/** Where a build's progress goes: the engine's events when it builds in this process, the text a remote engine sends otherwise. */
export interface BuildOutput {
  event(e: BuildEvent): void;
  text(s: string): void;
}

/** A build that failed in the engine; `report` is what it says about it (BuildKit's snippet and `ERROR: failed to build: ...`). */
export class BuildFailure extends BerthError {
  constructor(readonly report: string) {
    super('invalid-argument', report);
  }
}

export interface ImageBackend {
  list(o: { all?: boolean; filters?: string[] }): Promise<ImageSummary[]>;
  inspect(name: string): Promise<ImageInspect>;
  history(name: string): Promise<HistoryItem[]>;
  /**
   * Pulls `ref` (`name[:tag][@digest]`; every tag of the repository with allTags and a bare
   * name): progress, then docker's `Digest: ...` and `Status: ...` messages, to `progress`.
   */
  pull(ref: string, o: { allTags?: boolean; platform?: string }, progress: ProgressSink): Promise<void>;
  /** Pushes `ref` (one tag; every tag of the repository with allTags and a bare name), progress as docker shows it. */
  push(ref: string, o: { allTags?: boolean }, progress: ProgressSink): Promise<PushedTag[]>;
  tag(source: string, target: string): Promise<void>;
  remove(name: string, o: { force?: boolean; noPrune?: boolean }): Promise<DeleteItem[]>;
  prune(o: { all?: boolean; filters?: string[] }): Promise<PruneReport>;
  /** the images as one tar, written to `out` (which is ended) */
  save(names: string[], format: ArchiveFormat, out: Writable): Promise<void>;
  /** loads an archive; what docker prints about it ("Loaded image: ..." lines) */
  load(input: Readable): Promise<string>;
  /** the new image's id */
  import(o: ImportOptions): Promise<string>;
  /** a container's changes as a new image; its id */
  commit(container: string, o: CommitOptions): Promise<string>;
  /** the new image's id; a failed build throws BuildFailure */
  build(o: BuildOptions, output: BuildOutput): Promise<string>;
  /** drops the build cache's dangling entries (all of them with `all`) */
  pruneBuildCache(o: { all: boolean }): Promise<BuildCachePrune>;
}

/** POST /build/prune's answer. */
export interface BuildCachePrune {
  CachesDeleted: string[];
  SpaceReclaimed: number;
}
