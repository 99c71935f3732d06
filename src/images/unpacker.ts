// Unpacking layers, in parallel for real: file creation is kernel work that one thread does
// one file at a time, so large pulls hand each layer to a worker thread (one per core, plus
// one to cover network waits). Small jobs stay in-process, where a worker's start-up would
// cost more than it saves. Either way the snapshot is prepared and committed here, on the
// thread that holds the database.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { BerthError, type ErrorKind } from '../errors.js';
import type { EngineContext } from '../engine/context.js';
import { WORKER_URL } from './worker-url.js';
import { unpackLayer, type LayerSource, type LayerTarget, type UnpackJob } from './layer-fetch.js';


type Reply = { type: 'bytes'; n: number } | { type: 'done'; size: number } | { type: 'error'; kind: ErrorKind | null; message: string };

class WorkerPool {
  private idle: Worker[] = [];
  private all: Worker[] = [];
  private waiting: Array<(w: Worker) => void> = [];

  constructor(private readonly max: number) {}

  private acquire(): Promise<Worker> {
    const w = this.idle.pop();
    if (w) return Promise.resolve(w);
    if (this.all.length < this.max) {
      const url = WORKER_URL.href ?? new URL('./unpack-worker.js', import.meta.url);
      const nw = new Worker(url);
      nw.unref();
      this.all.push(nw);
      return Promise.resolve(nw);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(w: Worker): void {
    const next = this.waiting.shift();
    if (next) next(w);
    else this.idle.push(w);
  }

  async run(job: UnpackJob, onBytes?: (n: number) => void): Promise<{ size: number }> {
    const w = await this.acquire();
    try {
      return await new Promise((resolve, reject) => {
        const onMessage = (m: Reply) => {
          if (m.type === 'bytes') return onBytes?.(m.n);
          cleanup();
          if (m.type === 'done') resolve({ size: m.size });
          else reject(m.kind ? new BerthError(m.kind, m.message) : new Error(m.message));
        };
        const onError = (e: Error) => {
          cleanup();
          reject(e);
        };
        const cleanup = () => {
          w.off('message', onMessage);
          w.off('error', onError);
        };
        w.on('message', onMessage);
        w.on('error', onError);
        w.postMessage(job);
      });
    } finally {
      this.release(w);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
  }
}

export class LayerUnpacker {
  private readonly pool?: WorkerPool;

  /** `parallel`: how many layers will be unpacked at once (1 keeps everything in-process). */
  constructor(private readonly ctx: EngineContext, parallel: number) {
    if (parallel > 1) this.pool = new WorkerPool(Math.min(parallel, availableParallelism() + 1));
  }

  /** Verify and unpack one layer into a new snapshot. Returns the layer's uncompressed size. */
  async unpack(t: LayerTarget, source: LayerSource, image: string, onBytes?: (n: number) => void): Promise<number> {
    const prepared = this.ctx.snapshots.prepare();
    const job: UnpackJob = { root: this.ctx.config.root, desc: t.desc, diffId: t.diffId, diffDir: prepared.diff, source, maxSize: this.ctx.config.maxLayerSize, chown: this.ctx.canChown, image };
    try {
      const { size } = this.pool ? await this.pool.run(job, onBytes) : await unpackLayer(job, onBytes);
      this.ctx.snapshots.commit(prepared, { chain_id: t.chainId, parent: t.parent, diff_id: t.diffId, size });
      return size;
    } catch (e) {
      this.ctx.snapshots.discard(prepared);
      throw e;
    }
  }

  close(): Promise<void> {
    return this.pool?.close() ?? Promise.resolve();
  }
}
