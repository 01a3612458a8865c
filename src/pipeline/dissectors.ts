/** The dissectors as both pipelines wire them: Community IDs with the flow table's seed. */
import { formatIp } from '../core/index.js';
import { Dissectors } from '../dpi/index.js';
import { communityIdFromWords } from '../flow/index.js';
import type { AppRecord } from '../model/index.js';

export function createDissectors(seed: number, maxSessions: number | undefined, emit: (record: AppRecord) => void): Dissectors {
  return new Dissectors({
    communityId: (ver, proto, s0, s1, s2, s3, d0, d1, d2, d3, sport, dport) =>
      communityIdFromWords(ver, proto, s0, s1, s2, s3, d0, d1, d2, d3, sport, dport, seed, true),
    formatIp,
    ...(maxSessions !== undefined && { maxSessions }),
    emit,
  });
}
