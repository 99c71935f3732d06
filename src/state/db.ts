// Metadata store: one SQLite database (WAL) per root. Every mutation is one transaction, so
// several berth processes can act at once; blobs and snapshots live on disk beside it.
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import type BetterSqlite3 from 'better-sqlite3';

export type Database = BetterSqlite3.Database;

const require = createRequire(import.meta.url);

const SCHEMA_VERSION = 7;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS images (
  id TEXT PRIMARY KEY,              -- config digest (docker's image ID)
  manifest_digest TEXT NOT NULL,    -- the platform manifest this image was stored from
  manifest_media_type TEXT NOT NULL,
  config TEXT NOT NULL,             -- image config JSON, kept here for fast list/inspect
  size INTEGER NOT NULL,            -- sum of uncompressed layer sizes
  created TEXT,                     -- config.created
  chain_id TEXT,                    -- top snapshot, NULL for an image with no layers
  parent TEXT,                      -- parent image id (build, commit)
  added INTEGER NOT NULL            -- ms since epoch when stored locally
);
CREATE TABLE IF NOT EXISTS tags (
  name TEXT PRIMARY KEY,            -- canonical repo:tag, e.g. docker.io/library/busybox:latest
  image_id TEXT NOT NULL REFERENCES images(id)
);
CREATE INDEX IF NOT EXISTS tags_image ON tags(image_id);
CREATE TABLE IF NOT EXISTS repo_digests (
  repo TEXT NOT NULL,               -- canonical repository
  digest TEXT NOT NULL,             -- manifest or index digest the registry knows it by
  image_id TEXT NOT NULL REFERENCES images(id),
  PRIMARY KEY (repo, digest)
);
CREATE INDEX IF NOT EXISTS repo_digests_image ON repo_digests(image_id);
CREATE TABLE IF NOT EXISTS snapshots (
  chain_id TEXT PRIMARY KEY,
  parent TEXT,                      -- parent chain id
  diff_id TEXT NOT NULL,
  size INTEGER NOT NULL,            -- uncompressed tar size of the layer
  created INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS leases (
  id TEXT PRIMARY KEY,              -- held by a running operation; GC spares what it names
  pid INTEGER NOT NULL,
  created INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS lease_refs (
  lease_id TEXT NOT NULL REFERENCES leases(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,               -- blob | snapshot
  key TEXT NOT NULL,
  PRIMARY KEY (lease_id, kind, key)
);
CREATE TABLE IF NOT EXISTS containers (
  id TEXT PRIMARY KEY,              -- 64 hex
  name TEXT NOT NULL UNIQUE,        -- without the leading '/'
  image_id TEXT NOT NULL,           -- the image it was created from (rmi refuses while it exists)
  image TEXT NOT NULL,              -- the image as the user named it
  created TEXT NOT NULL,            -- RFC 3339
  config TEXT NOT NULL,             -- docker's Config (Cmd, Env, Labels, Tty, ...)
  host_config TEXT NOT NULL,        -- docker's HostConfig (AutoRemove, RestartPolicy, Runtime, limits, ...)
  state TEXT NOT NULL,              -- docker's State (Status, Pid, ExitCode, StartedAt, ...)
  runtime TEXT NOT NULL,
  restart_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS containers_image ON containers(image_id);
CREATE TABLE IF NOT EXISTS volumes (
  name TEXT PRIMARY KEY,
  driver TEXT NOT NULL,             -- local
  created TEXT NOT NULL,
  labels TEXT NOT NULL,             -- JSON object
  options TEXT NOT NULL,            -- JSON object (local driver: type, device, o)
  anonymous INTEGER NOT NULL,       -- made for a container (rm -v / --rm remove it)
  populated INTEGER NOT NULL DEFAULT 0 -- image content already copied up into it
);
CREATE TABLE IF NOT EXISTS networks (
  id TEXT PRIMARY KEY,              -- 64 hex
  name TEXT NOT NULL UNIQUE,
  driver TEXT NOT NULL,             -- bridge
  interface TEXT NOT NULL,          -- the host bridge, e.g. berth0, br-<id12>
  subnet TEXT NOT NULL,             -- CIDR
  gateway TEXT NOT NULL,
  ip_range TEXT,                    -- CIDR containers get addresses from (default: the subnet)
  internal INTEGER NOT NULL,
  dns INTEGER NOT NULL,             -- name resolution through aardvark-dns
  labels TEXT NOT NULL,
  options TEXT NOT NULL,
  created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS endpoints (
  network_id TEXT NOT NULL REFERENCES networks(id),
  container_id TEXT NOT NULL,
  ip TEXT NOT NULL,                 -- the address reserved for the container on this network
  aliases TEXT NOT NULL,            -- JSON list
  PRIMARY KEY (network_id, container_id),
  UNIQUE (network_id, ip)
);
CREATE TABLE IF NOT EXISTS container_locks (
  container_id TEXT PRIMARY KEY,    -- held while a process starts or cleans up the container
  pid INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS pods (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created TEXT NOT NULL,
  infra_id TEXT,                    -- the container holding the shared namespaces
  config TEXT NOT NULL              -- labels, hostname, published ports, networks, shared namespaces
);
CREATE TABLE IF NOT EXISTS build_cache (
  key TEXT PRIMARY KEY,             -- sha256 of the parent step's key, the instruction and its inputs
  config TEXT NOT NULL,             -- the image config after the step
  layers TEXT NOT NULL,             -- its layer descriptors (JSON)
  created INTEGER NOT NULL,
  used INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  time INTEGER NOT NULL,            -- ns since epoch
  type TEXT NOT NULL,               -- image | container | network | volume
  action TEXT NOT NULL,
  actor TEXT NOT NULL,
  attributes TEXT NOT NULL
);
`;

export function openDatabase(root: string): Database {
  mkdirSync(root, { recursive: true, mode: 0o700 });
  // better-sqlite3's JavaScript is in the CLI bundle (and its code cache); its addon is loaded by
  // path here, which spares the `bindings` package's search for it (a dozen stats and a stack trace).
  const db = new Sqlite(join(root, 'berth.db'), { timeout: 30_000, nativeBinding: require.resolve('better-sqlite3/build/Release/better_sqlite3.node') });
  // Switching a new database to WAL takes an exclusive lock and does not wait on the busy
  // handler: two berth processes opening a fresh root at once retry here.
  for (let attempt = 0; ; attempt++) {
    try {
      if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
      break;
    } catch (e) {
      if (!/database is locked|SQLITE_BUSY/.test(String(e)) || attempt > 200) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version < SCHEMA_VERSION) {
    db.transaction(() => {
      db.exec(SCHEMA);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }).immediate();
  }
  return db;
}

/** Run fn in a write transaction taken at once (BEGIN IMMEDIATE), so concurrent writers queue. */
export function writeTx<T>(db: Database, fn: () => T): T {
  return db.transaction(fn).immediate();
}
