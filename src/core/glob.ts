/**
 * Shell-style patterns (`*` any run; `?` one character where the caller says so) as anchored
 * regular expressions. Compiled patterns are cached, bounded: patterns arrive in remote commands.
 */
const MAX_CACHED = 1024;
const cache = new Map<string, RegExp>();

export interface GlobOptions {
  /** `?` matches one character (shell names); otherwise it is literal (field values). */
  readonly questionMark?: boolean;
  readonly ignoreCase?: boolean;
}

export function globToRegExp(pattern: string, options: GlobOptions = {}): RegExp {
  const key = `${options.questionMark === true ? '?' : '-'}${options.ignoreCase === true ? 'i' : '-'}${pattern}`;
  let re = cache.get(key);
  if (re === undefined) {
    let body = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
    if (options.questionMark === true) body = body.replace(/\\\?/g, '.');
    re = new RegExp(`^${body}$`, options.ignoreCase === true ? 'i' : '');
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
    cache.set(key, re);
  }
  return re;
}
