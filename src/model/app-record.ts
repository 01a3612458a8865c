/**
 * Application records: what the dissectors saw inside a flow (a DNS transaction, an HTTP
 * request/response, a TLS handshake, …). Each carries the 5-tuple and Community ID of its flow, so
 * it joins the flow record without a lookup.
 */

/** Fields every application record has. */
export interface AppRecordBase {
  readonly observationPoint: number;
  /** When the event began (the query, the request, the ClientHello): capture time. */
  readonly sec: number;
  readonly nsec: number;
  readonly tsDigits: number;
  /** Nanoseconds to the answer (DNS response, HTTP response start, …); -1 when there was none. */
  readonly durationNs: number;
  readonly ipVersion: number;
  readonly ipProto: number;
  /** The client side: the sender of the query / request / ClientHello. */
  readonly sourceIp: string;
  readonly sourcePort: number;
  readonly destinationIp: string;
  readonly destinationPort: number;
  readonly communityId: string;
}

export interface DnsAnswer {
  readonly name: string;
  readonly type: string;
  readonly class: string;
  readonly ttl: number;
  readonly data: string;
}

/** One DNS transaction: a query and its response, or a lone query (timed out) or lone response. */
export interface DnsRecord extends AppRecordBase {
  readonly kind: 'dns';
  /** ECS dns.type: 'answer' when a response was seen, else 'query'. */
  readonly type: 'query' | 'answer';
  readonly id: number;
  readonly opCode: number;
  readonly questionName?: string;
  readonly questionType?: string;
  readonly questionClass?: string;
  /** e.g. NOERROR, NXDOMAIN; absent without a response. */
  readonly responseCode?: string;
  /** ECS dns.header_flags of the response (of the query when there is none). */
  readonly headerFlags: readonly string[];
  readonly answers: readonly DnsAnswer[];
  /** Addresses of the A/AAAA answers. */
  readonly resolvedIps: readonly string[];
  /** 'query_only' (no response before the timeout or the end), 'response_only', or undefined. */
  readonly incomplete?: 'query_only' | 'response_only';
  /** 'udp' or 'tcp'. */
  readonly transport: string;
}

/** One DHCPv4 (or plain BOOTP) message. source = its sender, destination = its receiver. */
export interface DhcpRecord extends AppRecordBase {
  readonly kind: 'dhcp';
  /** DISCOVER, OFFER, REQUEST, ACK, … (option 53); BOOTREQUEST/BOOTREPLY for plain BOOTP. */
  readonly messageType: string;
  readonly transactionId: number;
  readonly clientMac: string;
  /** ciaddr, yiaddr (the address assigned), giaddr (relay); '0.0.0.0' when unset. */
  readonly clientIp: string;
  readonly assignedIp: string;
  readonly relayIp: string;
  readonly requestedIp?: string;
  readonly serverId?: string;
  readonly hostname?: string;
  readonly leaseTime?: number;
  readonly vendorClass?: string;
  readonly clientId?: string;
  readonly paramRequestList?: readonly number[];
  readonly routers?: readonly string[];
  readonly dnsServers?: readonly string[];
  readonly subnetMask?: string;
  readonly domainName?: string;
  readonly relayCircuitId?: string;
  readonly relayRemoteId?: string;
  /** Option codes in the order they appeared (after overload handling). */
  readonly options: readonly number[];
}

/** One HTTP/1.x request and its response (or the request alone, or a response without one). */
export interface HttpRecord extends AppRecordBase {
  readonly kind: 'http';
  /** '' for a response whose request was not seen. */
  readonly method: string;
  /** The request target as sent: origin-form, absolute-form, or authority-form (CONNECT). */
  readonly urlOriginal: string;
  readonly urlPath?: string;
  readonly urlQuery?: string;
  /** Host header (or the authority of an absolute-form target), without the port. */
  readonly urlDomain?: string;
  readonly urlPort?: number;
  readonly version: string;
  readonly statusCode?: number;
  readonly responseVersion?: string;
  readonly userAgent?: string;
  readonly referrer?: string;
  readonly requestMimeType?: string;
  readonly responseMimeType?: string;
  readonly requestBodyBytes: number;
  readonly responseBodyBytes: number;
  /** 1xx status codes before the final response (100-continue). */
  readonly interim: readonly number[];
  readonly incomplete?: string;
  readonly error?: string;
}

export interface TlsCertificate {
  readonly subject: string;
  readonly issuer: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly sha256: string;
  readonly serialNumber: string;
}

/** One TLS handshake (ClientHello, and ServerHello and Certificate when seen). */
export interface TlsRecord extends AppRecordBase {
  readonly kind: 'tls';
  /** Negotiated (ServerHello, supported_versions) or, without a ServerHello, the client's highest. */
  readonly version?: string;
  readonly versionProtocol?: string;
  readonly cipher?: string;
  readonly serverName?: string;
  readonly ja3?: string;
  readonly ja3String?: string;
  readonly ja4?: string;
  readonly ja3s?: string;
  readonly ja3sString?: string;
  /** ALPN the server chose. */
  readonly nextProtocol?: string;
  readonly offeredAlpn: readonly string[];
  /** supported_versions of the ClientHello as "1.3", "1.2", … (GREASE left out). */
  readonly supportedVersions: readonly string[];
  readonly supportedCiphers: readonly string[];
  /** Both sides went on to encrypted records. */
  readonly established: boolean;
  /**
   * An earlier session was resumed: TLS 1.3, the ServerHello accepts a pre-shared key; TLS ≤ 1.2,
   * the server echoes the client's non-empty session id.
   */
  readonly resumed: boolean;
  readonly sslv2ClientHello: boolean;
  readonly serverCertificate?: TlsCertificate;
  /** Certificates in the server's chain (TLS ≤ 1.2, in clear). */
  readonly serverChainLength: number;
  readonly incomplete?: 'no_server_hello' | 'no_client_hello';
  readonly error?: string;
}

/** A QUIC connection's client Initial: version and the ClientHello inside it. */
export interface QuicRecord extends AppRecordBase {
  readonly kind: 'quic';
  readonly version: string;
  readonly dcid: string;
  readonly scid: string;
  readonly serverName?: string;
  readonly offeredAlpn: readonly string[];
  readonly ja4?: string;
  readonly supportedVersions: readonly string[];
  /** A Retry, a Version Negotiation was seen. */
  readonly retry: boolean;
  readonly versionNegotiation: boolean;
  readonly incomplete?: 'no_client_hello';
  readonly error?: string;
}

/** An ICMP/ICMPv6 error message, linked to the flow of the packet it quotes. */
export interface IcmpErrorRecord extends AppRecordBase {
  readonly kind: 'icmp';
  readonly icmpType: number;
  readonly icmpCode: number;
  /** The quoted packet's flow: its sender is the source of the packet that caused the error. */
  readonly quotedIpProto: number;
  readonly quotedSourceIp: string;
  readonly quotedDestinationIp: string;
  /** Ports (TCP/UDP/SCTP) when the quote reaches them; absent otherwise. */
  readonly quotedSourcePort?: number;
  readonly quotedDestinationPort?: number;
  /** Community ID of the quoted flow: the same as that flow's record. */
  readonly quotedCommunityId: string;
}

export type AppRecord = DnsRecord | DhcpRecord | HttpRecord | TlsRecord | QuicRecord | IcmpErrorRecord;
