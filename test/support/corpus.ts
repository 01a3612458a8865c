/**
 * Locates the shared capture corpus (../shared/corpus beside the repository, or $WEFT_CORPUS) and
 * reads its tshark truth files. Tests that need it skip with one line when it is absent.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file is compiled to dist/test/support/corpus.js). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const CORPUS_DIR = process.env['WEFT_CORPUS'] ?? resolve(REPO_ROOT, '..', 'shared', 'corpus');
export const HAVE_CORPUS = existsSync(join(CORPUS_DIR, 'pcap'));
/** Pass as `{ skip: CORPUS_SKIP }` to node:test: false, or the one line saying why. */
export const CORPUS_SKIP: string | false = HAVE_CORPUS ? false : `corpus not found at ${CORPUS_DIR} (set WEFT_CORPUS)`;

export function corpusPcap(name: string): string {
  return join(CORPUS_DIR, 'pcap', name);
}

export function corpusNames(): string[] {
  return HAVE_CORPUS ? readdirSync(join(CORPUS_DIR, 'pcap')).sort() : [];
}

/** One tshark frame of truth/NAME.jsonl (see corpus/README.md for the keys). */
export interface TruthFrame {
  frame: number;
  ts_ns?: string;
  len: number;
  caplen: number;
  if_id?: number;
  protocols?: string;
  eth_src?: string;
  eth_dst?: string;
  vlan_ids?: number[];
  mpls_labels?: number[];
  gre_protos?: number[];
  vxlan_vni?: number[];
  geneve_vni?: number[];
  ip_version?: number;
  ip_src?: string;
  ip_dst?: string;
  ip_proto?: number;
  ip_layers?: { v: number; src: string; dst: string; in_icmp_error?: boolean }[];
  l4?: string;
  src_port?: number;
  dst_port?: number;
  tcp_flags?: number;
  tcp_len?: number;
  tcp_stream?: number;
  udp_stream?: number;
  icmp_type?: number;
  icmp_code?: number;
  frag?: { v: number; id: number; mf: boolean; offset: number };
  reassembled_in?: number;
  malformed?: boolean;
  non_packet_record?: boolean;
  [key: string]: unknown;
}

/**
 * The application objects of a truth frame (`frame['dns']`, `frame['http']`, …; corpus README,
 * "NAME.jsonl"): lists, because one frame can carry several messages. A key is present only when
 * tshark printed the value; only `dns.id` and `dns.response` are always there.
 */
export interface TruthDns {
  id: number[];
  response: number[];
  qry_name?: string[];
  qry_type?: number[];
  rcode?: number[];
  answers?: number[];
  a?: string[];
  aaaa?: string[];
  cname?: string[];
}

export interface TruthHttp {
  method?: string[];
  host?: string[];
  uri?: string[];
  version?: string[];
  response_code?: number[];
  response_version?: string[];
  user_agent?: string[];
}

export interface TruthTls {
  record_version?: number[];
  handshake_type?: number[];
  version?: number[];
  supported_versions?: number[];
  sni?: string[];
  alpn?: string[];
  ja3?: string[];
  ja3_full?: string[];
  ja3s?: string[];
  ja3s_full?: string[];
  ja4?: string[];
  /** Why make_truth.py computed no JA4 (a string, not a list). */
  ja4_skipped?: string;
}

export interface TruthQuic {
  version?: number[];
  packet_type?: number[];
  dcid?: string[];
  scid?: string[];
  sni?: string[];
}

export interface TruthDhcp {
  msg_type?: number[];
  xid?: number[];
  client_mac?: string[];
  ciaddr?: string[];
  yiaddr?: string[];
  requested_ip?: string[];
  hostname?: string[];
  server_id?: string[];
}

export function truthFrames(name: string): TruthFrame[] {
  const text = readFileSync(join(CORPUS_DIR, 'truth', `${name}.jsonl`), 'utf8');
  return text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as TruthFrame);
}

export interface TruthStream {
  proto: 'tcp' | 'udp';
  stream: number;
  a_addr: string;
  a_port: number;
  b_addr: string;
  b_port: number;
  frames_a_to_b: number;
  bytes_a_to_b: number;
  frames_b_to_a: number;
  bytes_b_to_a: number;
  first_frame: number;
  last_frame: number;
  frames: number;
  bytes: number;
  tshark_match: boolean;
}

export function truthFlows(name: string): { streams: TruthStream[]; unmatched_tshark_rows: unknown } {
  return JSON.parse(readFileSync(join(CORPUS_DIR, 'truth', `${name}.flows.json`), 'utf8'));
}

export function truthMeta(name: string): Record<string, any> {
  return JSON.parse(readFileSync(join(CORPUS_DIR, 'truth', `${name}.meta.json`), 'utf8'));
}
