// login/logout: check credentials against the registry, then store them as docker does. Both
// are the client's business (its own credential store), whichever engine it talks to.
import type { Config } from '../config.js';
import type { CredentialStore, Credentials } from '../images/registry/credentials.js';
import { RepositoryClient, registryEndpoints } from '../images/registry/client.js';
import { invalid } from '../errors.js';

/** `docker login` accepts a host, a URL, or nothing (Docker Hub). */
export function registryDomain(server?: string): string {
  if (!server) return 'docker.io';
  const host = server.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  if (!host) throw invalid(`invalid registry "${server}"`);
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

/** Whether the registry accepts these credentials (the API's /auth: the client keeps them). */
export async function checkLogin(config: Pick<Config, 'insecureRegistries'>, server: string | undefined, creds: Credentials): Promise<string> {
  const domain = registryDomain(server);
  const client = new RepositoryClient(domain, '', registryEndpoints(domain, config.insecureRegistries, {}), creds);
  await client.ping();
  return domain;
}

export async function login(config: Pick<Config, 'insecureRegistries'>, store: CredentialStore, server: string | undefined, creds: Credentials): Promise<void> {
  const domain = await checkLogin(config, server, creds);
  await store.store(domain, creds);
}

export async function logout(store: CredentialStore, server: string | undefined): Promise<{ domain: string; removed: boolean }> {
  const domain = registryDomain(server);
  return { domain, removed: await store.erase(domain) };
}
