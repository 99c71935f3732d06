// Routes by method and path pattern ("/containers/{id}/start"); docker's ids and names may
// hold characters a path segment allows, image names also slashes ({name*}).
import type { Handler } from './http.js';

interface Route {
  method: string;
  re: RegExp;
  keys: string[];
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    const keys: string[] = [];
    const re = pattern.replace(/\{(\w+)(\*?)\}/g, (_m, k: string, star: string) => {
      keys.push(k);
      return star ? '(.+)' : '([^/]+)';
    });
    this.routes.push({ method, re: new RegExp(`^${re}$`), keys, handler });
    return this;
  }

  get(p: string, h: Handler): this {
    return this.add('GET', p, h);
  }
  post(p: string, h: Handler): this {
    return this.add('POST', p, h);
  }
  put(p: string, h: Handler): this {
    return this.add('PUT', p, h);
  }
  delete(p: string, h: Handler): this {
    return this.add('DELETE', p, h);
  }
  head(p: string, h: Handler): this {
    return this.add('HEAD', p, h);
  }

  /** The handler and its parameters, 'method' when the path exists under another method, or undefined. */
  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | 'method' | undefined {
    let other = false;
    for (const r of this.routes) {
      const m = r.re.exec(path);
      if (!m) continue;
      if (r.method !== method) {
        other = true;
        continue;
      }
      const params: Record<string, string> = {};
      r.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1])));
      return { handler: r.handler, params };
    }
    return other ? 'method' : undefined;
  }
}
