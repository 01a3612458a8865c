/**
 * Parses rtnetlink dumps (RTM_NEWLINK, RTM_NEWADDR messages back to back, as the kernel sends them;
 * rtnetlink(7), linux/rtnetlink.h, linux/if_link.h). Bounds-checked: a short or odd message ends
 * the parse of that message, never throws.
 *
 *   nlmsghdr (16 B)  len u32 | type u16 | flags u16 | seq u32 | pid u32
 *   ifinfomsg (16 B) family u8 | pad u8 | type u16 (ARPHRD_*) | index i32 | flags u32 | change u32
 *   ifaddrmsg (8 B)  family u8 | prefixlen u8 | flags u8 | scope u8 | index u32
 *   rtattr           len u16 | type u16 | payload, padded to 4
 */
import { formatIp } from '../core/index.js';

const RTM_NEWLINK = 16;
const RTM_NEWADDR = 20;
const IFLA_ADDRESS = 1;
const IFLA_IFNAME = 3;
const IFLA_MTU = 4;
const IFLA_LINK = 5;
const IFLA_MASTER = 10;
const IFLA_OPERSTATE = 16;
const IFLA_LINKINFO = 18;
const IFLA_INFO_KIND = 1;
const IFLA_LINK_NETNSID = 37;
const IFA_ADDRESS = 1;
const IFA_LOCAL = 2;
const IFF_UP = 0x1;
const IFF_LOOPBACK = 0x8;
const OPERSTATES = ['unknown', 'notpresent', 'down', 'lowerlayerdown', 'testing', 'dormant', 'up'];

export interface LinkInfo {
  readonly ifindex: number;
  readonly name: string;
  /** IFLA_INFO_KIND: veth, bridge, vxlan, … ('' for physical devices and loopback). */
  readonly kind: string;
  /** ARPHRD_* of the device: 1 Ethernet, 772 loopback, 65534 none (L3 devices: tun, wireguard). */
  readonly arphrd: number;
  readonly mac: string;
  readonly mtu: number;
  readonly up: boolean;
  readonly loopback: boolean;
  readonly operState: string;
  /** veth: the peer's ifindex (in the namespace `linkNetnsId` names, when set). */
  readonly link: number;
  readonly linkNetnsId: number;
  /** Bridge (or bond) the device is enslaved to; 0 when none. */
  readonly master: number;
}

export interface AddressInfo {
  readonly ifindex: number;
  readonly family: 4 | 6;
  readonly address: string;
  readonly prefixLength: number;
}

function* messages(dump: Uint8Array, type: number): Generator<[DataView, number, number]> {
  const view = new DataView(dump.buffer, dump.byteOffset, dump.byteLength);
  let off = 0;
  while (off + 16 <= dump.length) {
    const len = view.getUint32(off, true);
    if (len < 16 || off + len > dump.length) return;
    if (view.getUint16(off + 4, true) === type) yield [view, off + 16, off + len];
    off += (len + 3) & ~3;
  }
}

function* attributes(view: DataView, start: number, end: number): Generator<[number, number, number]> {
  let off = start;
  while (off + 4 <= end) {
    const len = view.getUint16(off, true);
    if (len < 4 || off + len > end) return;
    yield [view.getUint16(off + 2, true) & 0x3fff, off + 4, off + len];
    off += (len + 3) & ~3;
  }
}

function cString(view: DataView, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) {
    const c = view.getUint8(i);
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

export function parseLinks(dump: Uint8Array): LinkInfo[] {
  const links: LinkInfo[] = [];
  for (const [view, start, end] of messages(dump, RTM_NEWLINK)) {
    if (start + 16 > end) continue;
    const arphrd = view.getUint16(start + 2, true);
    const ifindex = view.getInt32(start + 4, true);
    const flags = view.getUint32(start + 8, true);
    let name = '', kind = '', mac = '', mtu = 0, link = 0, master = 0, linkNetnsId = -1, oper = 0;
    for (const [type, a, b] of attributes(view, start + 16, end)) {
      if (type === IFLA_IFNAME) name = cString(view, a, b);
      else if (type === IFLA_MTU && b - a >= 4) mtu = view.getUint32(a, true);
      else if (type === IFLA_LINK && b - a >= 4) link = view.getUint32(a, true);
      else if (type === IFLA_MASTER && b - a >= 4) master = view.getUint32(a, true);
      else if (type === IFLA_LINK_NETNSID && b - a >= 4) linkNetnsId = view.getInt32(a, true);
      else if (type === IFLA_OPERSTATE && b - a >= 1) oper = view.getUint8(a);
      else if (type === IFLA_ADDRESS) {
        const parts: string[] = [];
        for (let i = a; i < b; i++) parts.push(view.getUint8(i).toString(16).padStart(2, '0'));
        mac = parts.join(':');
      } else if (type === IFLA_LINKINFO) {
        for (const [t, x, y] of attributes(view, a, b)) if (t === IFLA_INFO_KIND) kind = cString(view, x, y);
      }
    }
    links.push({
      ifindex, name, kind, arphrd, mac, mtu, up: (flags & IFF_UP) !== 0, loopback: (flags & IFF_LOOPBACK) !== 0,
      operState: OPERSTATES[oper] ?? String(oper), link, linkNetnsId, master,
    });
  }
  return links;
}

export function parseAddresses(dump: Uint8Array): AddressInfo[] {
  const out: AddressInfo[] = [];
  for (const [view, start, end] of messages(dump, RTM_NEWADDR)) {
    if (start + 8 > end) continue;
    const family = view.getUint8(start);
    const prefixLength = view.getUint8(start + 1);
    const ifindex = view.getUint32(start + 4, true);
    let local = '', address = '';
    for (const [type, a, b] of attributes(view, start + 8, end)) {
      if (type !== IFA_ADDRESS && type !== IFA_LOCAL) continue;
      let text = '';
      if (family === 2 && b - a >= 4) text = formatIp(4, 0, 0, 0, view.getUint32(a, false));
      else if (family === 10 && b - a >= 16) {
        text = formatIp(6, view.getUint32(a, false), view.getUint32(a + 4, false), view.getUint32(a + 8, false), view.getUint32(a + 12, false));
      }
      if (type === IFA_LOCAL) local = text;
      else address = text;
    }
    const text = local || address;
    if (text !== '') out.push({ ifindex, family: family === 2 ? 4 : 6, address: text, prefixLength });
  }
  return out;
}
