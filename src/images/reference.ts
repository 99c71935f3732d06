// Image references as docker normalises them (distribution/reference grammar):
//   busybox            -> docker.io/library/busybox:latest
//   host:5000/a/b@sha256:...  keeps host, repository and digest.
import { invalid } from '../errors.js';

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DOMAIN = 'index.docker.io';
const OFFICIAL_PREFIX = 'library/';

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const SHA256_HEX = /^[a-f0-9]{64}$/;

export interface Reference {
  /** registry host[:port], e.g. docker.io, 127.0.0.1:5000 */
  domain: string;
  /** repository path within the registry, e.g. library/busybox */
  path: string;
  tag?: string;
  digest?: string;
}

function fail(input: string, why: string): never {
  throw invalid(`invalid reference format: ${why}: "${input}"`);
}

export function isDigest(s: string): boolean {
  return DIGEST.test(s);
}

export function validateDigest(s: string): string {
  if (!isDigest(s)) throw invalid(`invalid digest: "${s}"`);
  const [alg, hex] = s.split(':');
  if (alg === 'sha256' && !SHA256_HEX.test(hex)) throw invalid(`invalid sha256 digest: "${s}"`);
  if (alg !== 'sha256' && alg !== 'sha512') throw invalid(`unsupported digest algorithm: "${s}"`);
  return s;
}

function splitDomain(name: string): { domain: string; path: string } {
  const slash = name.indexOf('/');
  if (slash === -1) return { domain: DEFAULT_DOMAIN, path: OFFICIAL_PREFIX + name };
  const first = name.slice(0, slash);
  let rest = name.slice(slash + 1);
  if (!first.includes('.') && !first.includes(':') && first !== 'localhost' && first.toLowerCase() === first) {
    return { domain: DEFAULT_DOMAIN, path: name };
  }
  let domain = first;
  if (domain === LEGACY_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !rest.includes('/')) rest = OFFICIAL_PREFIX + rest;
  return { domain, path: rest };
}

function validDomain(domain: string): boolean {
  let host = domain;
  const bracket = /^\[([0-9a-fA-F:]+)\](?::(\d+))?$/.exec(domain);
  if (bracket) return true;
  const colon = domain.lastIndexOf(':');
  if (colon !== -1) {
    const port = domain.slice(colon + 1);
    if (!/^\d+$/.test(port)) return false;
    host = domain.slice(0, colon);
  }
  return host.split('.').every((c) => DOMAIN_COMPONENT.test(c));
}

/** Parse and normalise a reference. A bare name gets the `latest` tag unless it has a digest. */
export function parseReference(input: string, opts: { defaultTag?: boolean } = {}): Reference {
  const defaultTag = opts.defaultTag ?? true;
  if (!input) fail(input, 'empty reference');
  if (input.length > 4096) fail(input.slice(0, 40) + '...', 'reference too long');
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) fail(input, 'invalid digest');
    try {
      validateDigest(digest);
    } catch (e) {
      fail(input, (e as Error).message.replace(/:.*$/, ''));
    }
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) fail(input, 'invalid tag');
  }
  if (!rest) fail(input, 'missing repository name');
  const { domain, path } = splitDomain(rest);
  if (!validDomain(domain)) fail(input, 'invalid registry host');
  if (path.toLowerCase() !== path) fail(input, 'repository name must be lowercase');
  for (const comp of path.split('/')) {
    if (!COMPONENT.test(comp)) fail(input, 'invalid repository name');
  }
  if (domain.length + 1 + path.length > 255) fail(input, 'repository name must not be more than 255 characters');
  if (!tag && !digest && defaultTag) tag = 'latest';
  return { domain, path, tag, digest };
}

/** Full repository name: docker.io/library/busybox */
export function repositoryName(ref: Pick<Reference, 'domain' | 'path'>): string {
  return `${ref.domain}/${ref.path}`;
}

/** Canonical string: docker.io/library/busybox:latest or ...@sha256:... */
export function formatReference(ref: Reference): string {
  let s = repositoryName(ref);
  if (ref.tag) s += `:${ref.tag}`;
  if (ref.digest) s += `@${ref.digest}`;
  return s;
}

/** The short form docker prints: busybox, user/app, 127.0.0.1:5000/app */
export function familiarName(repo: string): string {
  if (repo.startsWith(DEFAULT_DOMAIN + '/')) {
    const p = repo.slice(DEFAULT_DOMAIN.length + 1);
    return p.startsWith(OFFICIAL_PREFIX) && p.split('/').length === 2 ? p.slice(OFFICIAL_PREFIX.length) : p;
  }
  return repo;
}

export function familiarReference(ref: Reference): string {
  let s = familiarName(repositoryName(ref));
  if (ref.tag) s += `:${ref.tag}`;
  if (ref.digest) s += `@${ref.digest}`;
  return s;
}

/** Split a stored canonical `repo:tag` into its parts. */
export function splitTagged(name: string): { repo: string; tag: string } {
  const i = name.lastIndexOf(':');
  return { repo: name.slice(0, i), tag: name.slice(i + 1) };
}

export function looksLikeImageId(s: string): boolean {
  return /^(sha256:)?[a-f0-9]{4,64}$/.test(s);
}
