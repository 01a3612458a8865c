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
