// SPDX-License-Identifier: Apache-2.0
/*
 * minimal-loop: the floor weft's replay is measured against ("within 2x of a minimal C loop").
 *
 *  1. mmap the classic pcap (either byte order, µs or ns magic; Ethernet link type).
 *  2. Walk every record header; for each frame parse Ethernet (plus up to two 802.1Q/802.1ad
 *     tags) → IPv4 (IHL honoured) or IPv6 (fixed header only) → TCP/UDP ports.
 *  3. Hash the 5-tuple with FNV-1a into a running accumulator, so the compiler cannot drop the
 *     parsing, and count packets, frame bytes and L4 packets.
 *  4. Print one JSON line: packets, bytes, l4 packets, checksum and elapsed ns (clock_gettime
 *     CLOCK_MONOTONIC around open + mmap + walk).
 *
 * No flow table, no allocation, no output per packet: this is the cost of touching the data.
 * Build: cc -O2 -o minimal-loop minimal-loop.c
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17

static inline uint32_t rd32(const uint8_t *p, int swap) {
	uint32_t v;
	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}
static inline uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL
static inline uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t n) {
	for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * FNV_PRIME;
	return h;
}

static uint64_t now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv) {
	if (argc != 2) {
		fprintf(stderr, "usage: %s FILE.pcap\n", argv[0]);
		return 2;
	}
	uint64_t t0 = now_ns();
	int fd = open(argv[1], O_RDONLY);
	if (fd < 0) { perror(argv[1]); return 1; }
	struct stat st;
	if (fstat(fd, &st) < 0) { perror("fstat"); return 1; }
	size_t size = (size_t)st.st_size;
	if (size < 24) { fprintf(stderr, "%s: too short for a pcap header\n", argv[1]); return 1; }
	const uint8_t *base = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (base == MAP_FAILED) { perror("mmap"); return 1; }
	madvise((void *)base, size, MADV_SEQUENTIAL);

	uint32_t magic;
	memcpy(&magic, base, 4);
	int swap;
	if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d) swap = 0;
	else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1) swap = 1;
	else { fprintf(stderr, "%s: not a classic pcap (magic %08x)\n", argv[1], magic); return 1; }
	uint32_t linktype = rd32(base + 20, swap) & 0x0fffffff;
	if (linktype != 1) { fprintf(stderr, "%s: link type %u, only Ethernet (1) is walked\n", argv[1], linktype); return 1; }

	uint64_t packets = 0, bytes = 0, l4 = 0, truncated = 0, h = FNV_OFFSET;
	size_t off = 24;
	while (off + 16 <= size) {
		uint32_t caplen = rd32(base + off + 8, swap);
		uint32_t wirelen = rd32(base + off + 12, swap);
		const uint8_t *f = base + off + 16;
		if (off + 16 + caplen > size) { truncated++; break; }
		off += 16 + (size_t)caplen;
		packets++;
		bytes += wirelen;

		// ── Ethernet, VLAN tags ───────────────────────────────────────────────────
		if (caplen < 14) continue;
		uint32_t p = 12;
		uint16_t et = be16(f + p);
		for (int tags = 0; tags < 2 && (et == ETHERTYPE_VLAN || et == ETHERTYPE_QINQ) && p + 6 <= caplen; tags++) {
			p += 4;
			et = be16(f + p);
		}
		p += 2;

		// ── IP: the 5-tuple as (src, dst, proto) bytes + ports ────────────────────
		uint8_t proto;
		const uint8_t *addrs;
		size_t alen;
		uint32_t l4off;
		if (et == ETHERTYPE_IPV4) {
			if (p + 20 > caplen) continue;
			uint32_t ihl = (uint32_t)(f[p] & 0x0f) * 4;
			if (ihl < 20) continue;
			proto = f[p + 9];
			addrs = f + p + 12;
			alen = 8;
			// non-first fragments carry no ports
			if ((be16(f + p + 6) & 0x1fff) != 0) proto = 0;
			l4off = p + ihl;
		} else if (et == ETHERTYPE_IPV6) {
			if (p + 40 > caplen) continue;
			proto = f[p + 6];
			addrs = f + p + 8;
			alen = 32;
			l4off = p + 40;
		} else {
			continue;
		}
		uint32_t ports = 0;
		if ((proto == IPPROTO_TCP_ || proto == IPPROTO_UDP_) && l4off + 4 <= caplen) {
			memcpy(&ports, f + l4off, 4);
			l4++;
		}
		uint64_t k = FNV_OFFSET;
		k = fnv1a(k, addrs, alen);
		k = fnv1a(k, &proto, 1);
		k = fnv1a(k, (const uint8_t *)&ports, 4);
		h = (h ^ k) * FNV_PRIME + packets;
	}
	uint64_t t1 = now_ns();
	printf("{\"tool\":\"minimal-loop\",\"packets\":%llu,\"bytes\":%llu,\"l4Packets\":%llu,\"truncatedRecords\":%llu,"
	       "\"checksum\":\"%016llx\",\"elapsedNs\":%llu,\"fileBytes\":%zu}\n",
	       (unsigned long long)packets, (unsigned long long)bytes, (unsigned long long)l4,
	       (unsigned long long)truncated, (unsigned long long)h, (unsigned long long)(t1 - t0), size);
	munmap((void *)base, size);
	close(fd);
	return 0;
}
