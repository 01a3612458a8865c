/**
 * IANA protocol keywords (Protocol Numbers registry, lowercase as ECS `network.transport` uses
 * them) for the protocols weft meets; others print as their number.
 */
const KEYWORDS = new Map<number, string>([
  [0, 'hopopt'], [1, 'icmp'], [2, 'igmp'], [4, 'ipv4'], [6, 'tcp'], [8, 'egp'], [9, 'igp'], [17, 'udp'],
  [27, 'rdp'], [33, 'dccp'], [41, 'ipv6'], [46, 'rsvp'], [47, 'gre'], [50, 'esp'], [51, 'ah'], [58, 'ipv6-icmp'],
  [59, 'ipv6-nonxt'], [88, 'eigrp'], [89, 'ospf'], [103, 'pim'], [112, 'vrrp'], [115, 'l2tp'], [132, 'sctp'],
  [136, 'udplite'], [137, 'mpls-in-ip'],
]);

export function ianaProtocolName(proto: number): string {
  return KEYWORDS.get(proto) ?? String(proto);
}
