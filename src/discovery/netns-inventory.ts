/**
 * The network namespaces of this host, keyed by inode (what `/proc/<pid>/ns/net` links to and what
 * the kernel sensors put in every record). The union of three views, because each alone misses some:
 * named namespaces (`ip netns add`) live as bind mounts and may have no process; container runtimes
 * keep their own mount folders; and most container namespaces are only reachable through a process.
 * Unreadable entries (EACCES, a process that just exited) are skipped: a scan never fails.
 */
import { readdirSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const OWN_NETNS_PATH = '/proc/self/ns/net';

/** Folders of named namespace bind mounts: iproute2's, and the container runtimes'. */
const MOUNT_FOLDERS = ['/var/run/netns', '/run/netns', '/var/run/docker/netns'];

export interface NetnsEntry {
  readonly inode: number;
  /** The bind-mount name (`ip netns` name, runtime id) when it has one. */
  readonly name?: string;
  /** A path setns can open: the bind mount, or /proc/<pid>/ns/net. */
  readonly path: string;
  /** True for the namespace this process runs in. */
  readonly own: boolean;
  /** A process living in it (the lowest pid seen), when any. */
  readonly pid?: number;
}

export function scanNetns(): Map<number, NetnsEntry> {
  const found = new Map<number, NetnsEntry>();
  let own = 0;
  let nsfs = -1;
  try {
    const st = statSync(OWN_NETNS_PATH);
    own = st.ino;
    nsfs = st.dev;
  } catch { /* no /proc: nothing is our own */ }
  for (const folder of MOUNT_FOLDERS) {
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      continue;
    }
    for (const name of names) {
      const path = join(folder, name);
      try {
        const st = statSync(path);
        // `ip netns add` creates the file, then bind-mounts the namespace on it: until then it is
        // an ordinary file (another device, a meaningless inode) and not a namespace yet.
        if (nsfs !== -1 && st.dev !== nsfs) continue;
        const inode = st.ino;
        if (!found.has(inode)) found.set(inode, { inode, name, path, own: inode === own });
      } catch { /* a mount being removed */ }
    }
  }
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch { /* no /proc */ }
  for (const pid of pids.sort((a, b) => Number(a) - Number(b))) {
    const path = `/proc/${pid}/ns/net`;
    let link: string;
    try {
      link = readlinkSync(path);
    } catch {
      continue;
    }
    const m = /^net:\[(\d+)\]$/.exec(link);
    if (m === null) continue;
    const inode = Number(m[1]);
    const known = found.get(inode);
    if (known === undefined) found.set(inode, { inode, path, own: inode === own, pid: Number(pid) });
    else if (known.pid === undefined) found.set(inode, { ...known, pid: Number(pid) });
  }
  if (own !== 0 && !found.has(own)) found.set(own, { inode: own, path: OWN_NETNS_PATH, own: true });
  return found;
}
