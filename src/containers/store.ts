// Container records in SQLite, and resolving what a user types (name, full or short id).
import type { Database } from '../state/db.js';
import { conflict, notFound } from '../errors.js';
import { lockHeld, withLock } from '../state/locks.js';
import type { ContainerRecord, ContainerState } from './model.js';

interface Row {
  id: string;
  name: string;
  image_id: string;
  image: string;
  created: string;
  config: string;
  host_config: string;
  state: string;
  runtime: string;
  restart_count: number;
}

function fromRow(r: Row): ContainerRecord {
  return { id: r.id, name: r.name, imageId: r.image_id, image: r.image, created: r.created, config: JSON.parse(r.config), hostConfig: JSON.parse(r.host_config), state: JSON.parse(r.state), runtime: r.runtime, restartCount: r.restart_count };
}

export class ContainerStore {
  constructor(private readonly db: Database) {}

  /** Start and cleanup of one container never overlap, across processes (see state/locks.ts). */
  withLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    return withLock(this.db, id, fn);
  }

  locked(id: string): boolean {
    return lockHeld(this.db, id);
  }

  all(): ContainerRecord[] {
    return (this.db.prepare('SELECT * FROM containers ORDER BY created DESC').all() as Row[]).map(fromRow);
  }

  get(id: string): ContainerRecord | undefined {
    const r = this.db.prepare('SELECT * FROM containers WHERE id = ?').get(id) as Row | undefined;
    return r && fromRow(r);
  }

  nameTaken(name: string): boolean {
    return this.db.prepare('SELECT 1 FROM containers WHERE name = ?').get(name) !== undefined;
  }

  /** By exact name, full id, or unique id prefix, as docker resolves them. */
  resolve(input: string): ContainerRecord {
    const key = input.startsWith('/') ? input.slice(1) : input;
    const byName = this.db.prepare('SELECT * FROM containers WHERE name = ? OR id = ?').get(key, key) as Row | undefined;
    if (byName) return fromRow(byName);
    if (/^[a-f0-9]+$/.test(key)) {
      const rows = this.db.prepare('SELECT * FROM containers WHERE id >= ? AND id < ? LIMIT 2').all(key, key + 'g') as Row[];
      if (rows.length === 1) return fromRow(rows[0]);
      if (rows.length > 1) throw notFound(`No such container: ${input} (several containers start with it)`);
    }
    throw notFound(`No such container: ${input}`);
  }

  insert(c: ContainerRecord): void {
    try {
      this.db
        .prepare('INSERT INTO containers (id, name, image_id, image, created, config, host_config, state, runtime, restart_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(c.id, c.name, c.imageId, c.image, c.created, JSON.stringify(c.config), JSON.stringify(c.hostConfig), JSON.stringify(c.state), c.runtime, c.restartCount);
    } catch (e) {
      if (/UNIQUE constraint failed: containers.name/.test(String(e))) {
        const other = this.db.prepare('SELECT id FROM containers WHERE name = ?').get(c.name) as { id: string } | undefined;
        throw conflict(`Conflict. The container name "/${c.name}" is already in use by container "${other?.id ?? '?'}". You have to remove (or rename) that container to be able to reuse that name.`);
      }
      throw e;
    }
  }

  setState(id: string, state: ContainerState, restartCount?: number): void {
    if (restartCount === undefined) this.db.prepare('UPDATE containers SET state = ? WHERE id = ?').run(JSON.stringify(state), id);
    else this.db.prepare('UPDATE containers SET state = ?, restart_count = ? WHERE id = ?').run(JSON.stringify(state), restartCount, id);
  }

  /** Returns false when the record was already gone. */
  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM containers WHERE id = ?').run(id).changes > 0;
  }

  usingImage(imageId: string): ContainerRecord[] {
    return (this.db.prepare('SELECT * FROM containers WHERE image_id = ?').all(imageId) as Row[]).map(fromRow);
  }
}
