// A GET over http(s) that follows redirects, for downloads (Dockerfile ADD <url>, import from
// a URL). Node's http/https rather than fetch: fetch cannot be given the extra CA certificates
// berth trusts (src/util/tls.ts).
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { tlsTrust } from './tls.js';

export interface Download {
  /** the URL that answered, after redirects */
  url: string;
  status: number;
  statusText: string;
  headers: IncomingMessage['headers'];
  body: IncomingMessage;
}

const MAX_REDIRECTS = 20; // fetch's limit

export async function httpGet(url: string): Promise<Download> {
  let current = new URL(url);
  for (let hops = 0; ; hops++) {
    if (current.protocol !== 'http:' && current.protocol !== 'https:') throw new Error(`unsupported URL scheme in ${current.href}`);
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = current.protocol === 'https:' ? https.get(current, { ...tlsTrust() }, resolve) : http.get(current, resolve);
      req.on('error', reject);
    });
    const status = res.statusCode ?? 0;
    if ([301, 302, 303, 307, 308].includes(status) && res.headers.location) {
      res.resume();
      if (hops >= MAX_REDIRECTS) throw new Error(`too many redirects from ${url}`);
      current = new URL(res.headers.location, current);
      continue;
    }
    return { url: current.href, status, statusText: res.statusMessage ?? '', headers: res.headers, body: res };
  }
}
