/**
 * @module discovery — what there is to observe on this host: network namespaces (named bind mounts,
 * container runtimes' mounts, every process's namespace) and the interfaces of each (parsed from an
 * rtnetlink dump the native bridge takes inside the namespace). Imports core, model and the bridge's
 * types only; the caller hands in the dump function, so this runs and is tested without privileges.
 */
export { scanNetns, OWN_NETNS_PATH, type NetnsEntry } from './netns-inventory.js';
export { parseLinks, parseAddresses, type LinkInfo, type AddressInfo } from './rtnetlink.js';
export { matchesAny } from './patterns.js';
