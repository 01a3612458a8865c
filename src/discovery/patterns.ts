import { globToRegExp } from '../core/glob.js';

/** Shell-style patterns for interface and namespace names: `*` any run, `?` one character. */
export function matchesAny(name: string, patterns: readonly string[]): boolean {
  for (const pattern of patterns) if (globToRegExp(pattern, { questionMark: true }).test(name)) return true;
  return false;
}
