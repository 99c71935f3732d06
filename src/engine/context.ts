// The engine's shared handles, opened lazily: a command that needs no database never
// loads SQLite. Everything below engine/ takes what it needs from here.
import { join } from 'node:path';
import type { Config } from '../config.js';
import { openDatabase, type Database } from '../state/db.js';
import { ContentStore } from '../images/content-store.js';
import { ImageStore } from '../images/image-store.js';
import { Snapshotter } from '../storage/snapshots.js';
import { CredentialStore, type Credentials } from '../images/registry/credentials.js';
import type { RepositoryClient } from '../images/registry/client.js';
import type { Reference } from '../images/reference.js';
import { Events } from './events.js';
import { inUserNamespace } from '../platform/userns.js';
import { useUserNetwork } from '../platform/hostnet.js';
import { setRootlessOverlay } from '../storage/overlay-xattr.js';

export class EngineContext {
  private _db?: Database;
  private _content?: ContentStore;
  private _snapshots?: Snapshotter;
  private _images?: ImageStore;
  private _events?: Events;
  readonly credentials: CredentialStore;

  constructor(readonly config: Config) {
    this.credentials = new CredentialStore(config.dockerConfigDir);
    // Rootless, the user's network namespace stands in for the host's (made when first needed).
    if (config.rootless) {
      useUserNetwork(join(config.runroot, 'netns', 'rootless'), config.runroot);
      setRootlessOverlay(config.rootlessOverlay);
    }
  }

  get db(): Database {
    return (this._db ??= openDatabase(this.config.root));
  }
  get content(): ContentStore {
    return (this._content ??= new ContentStore(this.config.root));
  }
  get snapshots(): Snapshotter {
    return (this._snapshots ??= new Snapshotter(this.config.root, this.db));
  }
  get images(): ImageStore {
    return (this._images ??= new ImageStore(this.db));
  }
  get events(): Events {
    return (this._events ??= new Events(this.db));
  }
  get storageTmp(): string {
    return join(this.config.root, 'storage', 'tmp');
  }

  /** Whether unpacked files may carry the archive's owners: as root, and rootless inside the user's namespace. */
  get canChown(): boolean {
    return !this.config.rootless || inUserNamespace();
  }

  async repository(ref: Pick<Reference, 'domain' | 'path'>): Promise<RepositoryClient> {
    const creds = await this.credentials.get(ref.domain);
    const { RepositoryClient, registryEndpoints } = await import('../images/registry/client.js');
    return new RepositoryClient(ref.domain, ref.path, registryEndpoints(ref.domain, this.config.insecureRegistries, this.config.mirrors), creds);
  }

  close(): void {
    this._db?.close();
  }
}

/** A credential store that answers with the credentials one request brought. */
class GivenCredentials extends CredentialStore {
  constructor(dir: string, private readonly given: Credentials) {
    super(dir);
  }
  override async get(): Promise<Credentials | undefined> {
    return this.given;
  }
}

/**
 * The engine for one pull or push with credentials the client sent (the API's X-Registry-Auth,
 * CRI's AuthConfig) in place of the configured ones; close it when done.
 */
export class RequestContext extends EngineContext {
  override readonly credentials: CredentialStore;
  constructor(base: EngineContext, given: Credentials) {
    super(base.config);
    this.credentials = new GivenCredentials(base.config.dockerConfigDir, given);
  }
}
