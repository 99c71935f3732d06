// login/logout: check credentials against the registry, then store them as docker does.
import type { EngineContext } from './context.js';
import type { Credentials } from '../images/registry/credentials.js';
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
export async function checkLogin(ctx: EngineContext, server: string | undefined, creds: Credentials): Promise<string> {
  const domain = registryDomain(server);
  const client = new RepositoryClient(domain, '', registryEndpoints(domain, ctx.config.insecureRegistries, {}), creds);
  await client.ping();
  return domain;
}

export async function login(ctx: EngineContext, server: string | undefined, creds: Credentials): Promise<void> {
  const domain = await checkLogin(ctx, server, creds);
  await ctx.credentials.store(domain, creds);
}

export async function logout(ctx: EngineContext, server: string | undefined): Promise<{ domain: string; removed: boolean }> {
  const domain = registryDomain(server);
  return { domain, removed: await ctx.credentials.erase(domain) };
}
