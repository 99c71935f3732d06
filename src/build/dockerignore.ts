// .dockerignore, with docker's rules: `#` comments, patterns cleaned and made relative
// (a leading / is dropped), `*` and `?` within one path component, `**` across any number
// of them, `\` escapes, `!` re-includes, and the last matching pattern decides. A pattern
// that matches a directory excludes everything below it.
import { posix } from 'node:path';

export interface IgnorePattern {
  text: string;
  exclusion: boolean;
  re: RegExp;
}

export function parseIgnoreFile(text: string): IgnorePattern[] {
  const out: IgnorePattern[] = [];
  for (const raw of text.split(/\r?\n/)) {
    if (raw.startsWith('#')) continue;
    let p = raw.trim();
    if (!p) continue;
    let exclusion = false;
    if (p.startsWith('!')) {
      exclusion = true;
      p = p.slice(1).trim();
    }
    if (!p) continue;
    p = posix.normalize(p);
    if (p.length > 1 && p.startsWith('/')) p = p.slice(1);
    if (p.endsWith('/') && p.length > 1) p = p.slice(0, -1);
    out.push({ text: p, exclusion, re: compile(p) });
  }
  return out;
}

function compile(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        // `**/` matches zero or more whole directories; a trailing `**` matches everything.
        if (pattern[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i]);
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += '[' + pattern.slice(i + 1, end).replace(/^\^|^!/, '^') + ']';
        i = end;
      }
    } else re += escapeRe(c);
  }
  return new RegExp(re + '$');
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

export class IgnoreMatcher {
  readonly hasExclusions: boolean;
  constructor(readonly patterns: IgnorePattern[]) {
    this.hasExclusions = patterns.some((p) => p.exclusion);
  }

  /** Whether `rel` (slash-separated, relative to the context) is left out. */
  ignored(rel: string): boolean {
    const parents: string[] = [];
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) parents.push(parts.slice(0, i).join('/'));
    let matched = false;
    for (const p of this.patterns) {
      if (p.exclusion === matched) {
        // Only a pattern that could change the answer needs testing.
        if (p.re.test(rel) || parents.some((d) => p.re.test(d))) matched = !p.exclusion;
      }
    }
    return matched;
  }
}
