/** Shell-style patterns for interface and namespace names: `*` any run, `?` one character. */
export function matchesAny(name: string, patterns: readonly string[]): boolean {
  for (const pattern of patterns) if (globToRegExp(pattern).test(name)) return true;
  return false;
}

const cache = new Map<string, RegExp>();

function globToRegExp(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (re === undefined) {
    const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    re = new RegExp(`^${body}$`);
    cache.set(pattern, re);
  }
  return re;
}
