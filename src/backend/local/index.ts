// The local backend: the engine itself, in this process (no daemon in between).
import type { Backend } from '../backend.js';
import type { EngineContext } from '../../engine/context.js';
import { LocalContainers } from './containers.js';
import { LocalImages } from './images.js';
import { LocalNetworks } from './networks.js';
import { LocalVolumes } from './volumes.js';
import { LocalSystem } from './system.js';

export class LocalBackend implements Backend {
  readonly where = 'local';
  readonly remote = false;
  private _containers?: LocalContainers;
  private _images?: LocalImages;
  private _system?: LocalSystem;
  private _networks?: LocalNetworks;
  private _volumes?: LocalVolumes;

  constructor(private readonly ctx: EngineContext) {}

  // Opened on first use: a command that needs no database never opens it.
  get containers(): LocalContainers {
    return (this._containers ??= new LocalContainers(this.ctx));
  }
  get images(): LocalImages {
    return (this._images ??= new LocalImages(this.ctx));
  }
  get system(): LocalSystem {
    return (this._system ??= new LocalSystem(this.ctx));
  }
  get networks(): LocalNetworks {
    return (this._networks ??= new LocalNetworks(this.ctx));
  }
  get volumes(): LocalVolumes {
    return (this._volumes ??= new LocalVolumes(this.ctx));
  }

  /** the engine's handles are closed by whoever opened them */
  close(): void {}
}
