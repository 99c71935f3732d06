// Native addons and heavy built-ins loaded on first use, through require: the CLI bundle is
// CommonJS run from a compile-cached script, where a dynamic import() would need a loader hook.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const xattr = (): typeof import('@napi-rs/xattr') => require('@napi-rs/xattr');
export const zstd = (): typeof import('zstd-napi') => require('zstd-napi');
export const unixSocket = (): typeof import('node-unix-socket') => require('node-unix-socket');
export const childProcess = (): typeof import('node:child_process') => require('node:child_process');
export const tlsModule = (): typeof import('node:tls') => require('node:tls');
