// The certificates berth's own TLS connections trust. Node 20 reads NODE_EXTRA_CA_CERTS at
// start-up: before running any code it builds its whole root store (~140 bundled certificates,
// then the file's), ~30 ms on these machines, whether or not the command ever talks TLS, and
// most never do (run, ps, rm, ...). So bin/berth hands the variable on as BERTH_EXTRA_CA_CERTS
// instead, and berth adds those certificates where it opens TLS connections (the registry
// client, downloads), which is the trust Node would have given them: its bundled roots plus the
// file. Programs berth runs that may talk TLS on their own (credential helpers) get the variable
// back under its own name.
import { readFileSync } from 'node:fs';
import { log } from './log.js';
import { tlsModule } from './native.js';

let trusted: string[] | null | undefined;

/** TLS options for a connection berth opens: `ca` when the launcher moved extra certificates aside. */
export function tlsTrust(): { ca?: string[] } {
  if (trusted === undefined) {
    trusted = null;
    const file = process.env.BERTH_EXTRA_CA_CERTS;
    // Started without the launcher, Node has loaded NODE_EXTRA_CA_CERTS itself.
    if (file && !process.env.NODE_EXTRA_CA_CERTS) {
      try {
        trusted = [...tlsModule().rootCertificates, readFileSync(file, 'utf8')];
      } catch (e) {
        // Node's own behaviour for an unreadable file: a warning, and the bundled roots only.
        log.warn(`ignoring extra certificates from ${file}: ${(e as Error).message}`);
      }
    }
  }
  return trusted ? { ca: trusted } : {};
}

/** The environment for a program that may open TLS connections of its own (NODE_EXTRA_CA_CERTS restored). */
export function withExtraCaCerts(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const file = env.BERTH_EXTRA_CA_CERTS;
  return file && !env.NODE_EXTRA_CA_CERTS ? { ...env, NODE_EXTRA_CA_CERTS: file } : env;
}
