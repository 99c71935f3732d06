// Registry credentials, stored as docker stores them: $DOCKER_CONFIG/config.json (default
// ~/.docker) with `auths` (base64 user:password), and credential helpers named by
// `credsStore` (all registries) or `credHelpers` (per registry): docker-credential-<name>
// get|store|erase speaking JSON on stdin/stdout.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError, invalid } from '../../errors.js';
import { childProcess } from '../../util/native.js';
import { withExtraCaCerts } from '../../util/tls.js';

export interface Credentials {
  username: string;
  password: string;
  /** An OAuth identity token (from a helper), used instead of the password when present. */
  identityToken?: string;
}

interface DockerConfigFile {
  auths?: Record<string, { auth?: string; identitytoken?: string; username?: string; password?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [k: string]: unknown;
}

const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

/** The key docker uses in config.json for a registry domain. */
export function credentialKey(domain: string): string {
  return domain === 'docker.io' ? DOCKER_HUB_KEY : domain;
}

function keyMatches(key: string, domain: string): boolean {
  if (key === credentialKey(domain)) return true;
  const stripped = key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  if (domain === 'docker.io') return stripped === 'index.docker.io' || stripped === 'docker.io' || stripped === 'registry-1.docker.io';
  return stripped === domain;
}

export class CredentialStore {
  private readonly file: string;
  constructor(private readonly dir: string) {
    this.file = join(dir, 'config.json');
  }

  private read(): DockerConfigFile {
    if (!existsSync(this.file)) return {};
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as DockerConfigFile;
    } catch (e) {
      throw invalid(`${this.file}: ${(e as Error).message}`);
    }
  }

  private write(cfg: DockerConfigFile): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(cfg, null, '\t') + '\n', { mode: 0o600 });
    renameSync(tmp, this.file);
  }

  private helperFor(cfg: DockerConfigFile, domain: string): string | undefined {
    const per = cfg.credHelpers && Object.entries(cfg.credHelpers).find(([k]) => keyMatches(k, domain));
    return per ? per[1] : cfg.credsStore;
  }

  async get(domain: string): Promise<Credentials | undefined> {
    const cfg = this.read();
    const helper = this.helperFor(cfg, domain);
    if (helper) {
      const out = await runHelper(helper, 'get', credentialKey(domain)).catch((e: Error) => {
        if (/credentials not found/i.test(e.message)) return undefined;
        throw e;
      });
      if (!out) return undefined;
      const r = JSON.parse(out) as { Username: string; Secret: string };
      return r.Username === '<token>' ? { username: '', password: '', identityToken: r.Secret } : { username: r.Username, password: r.Secret };
    }
    const entry = cfg.auths && Object.entries(cfg.auths).find(([k]) => keyMatches(k, domain))?.[1];
    if (!entry) return undefined;
    if (entry.auth) {
      const dec = Buffer.from(entry.auth, 'base64').toString('utf8');
      const i = dec.indexOf(':');
      if (i < 0) throw invalid(`${this.file}: invalid auth entry for ${domain}`);
      return { username: dec.slice(0, i), password: dec.slice(i + 1), identityToken: entry.identitytoken };
    }
    if (entry.username && entry.password) return { username: entry.username, password: entry.password };
    if (entry.identitytoken) return { username: '', password: '', identityToken: entry.identitytoken };
    return undefined;
  }

  async store(domain: string, creds: Credentials): Promise<void> {
    const cfg = this.read();
    const helper = this.helperFor(cfg, domain);
    const key = credentialKey(domain);
    if (helper) {
      await runHelper(helper, 'store', JSON.stringify({ ServerURL: key, Username: creds.username, Secret: creds.password }));
      cfg.auths = { ...cfg.auths, [key]: {} };
    } else {
      cfg.auths = { ...cfg.auths, [key]: { auth: Buffer.from(`${creds.username}:${creds.password}`).toString('base64') } };
    }
    this.write(cfg);
  }

  /** Returns false when there was nothing stored for the registry. */
  async erase(domain: string): Promise<boolean> {
    const cfg = this.read();
    const helper = this.helperFor(cfg, domain);
    let found = false;
    if (helper) {
      found = await runHelper(helper, 'erase', credentialKey(domain)).then(
        () => true,
        () => false,
      );
    }
    for (const k of Object.keys(cfg.auths ?? {})) {
      if (keyMatches(k, domain)) {
        delete cfg.auths![k];
        found = true;
      }
    }
    if (found) this.write(cfg);
    return found;
  }
}

async function runHelper(name: string, verb: 'get' | 'store' | 'erase', input: string): Promise<string> {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw invalid(`invalid credential helper name "${name}"`);
  const bin = `docker-credential-${name}`;
  const { spawn } = childProcess();
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [verb], { stdio: ['pipe', 'pipe', 'pipe'], env: withExtraCaCerts(process.env) });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) => reject(new BerthError('unavailable', `credential helper ${bin}: ${e.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new BerthError('unauthorized', `credential helper ${bin} ${verb}: ${(out || err).trim() || `exit ${code}`}`));
    });
    child.stdin.end(input);
  });
}
