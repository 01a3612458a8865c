/**
 * The error catalog. Codes are stable Node-style `ERR_*` strings; docs/errors.md lists every one
 * (a test checks). The hot path never throws: malformed packets become counters. Exceptions are
 * for boundaries only — files, flags, config, I/O.
 */
export const ErrorCode = {
  CAPTURE_FORMAT: 'ERR_CAPTURE_FORMAT',
  CAPTURE_TRUNCATED: 'ERR_CAPTURE_TRUNCATED',
  CAPTURE_IO: 'ERR_CAPTURE_IO',
  USAGE: 'ERR_USAGE',
  SINK_URI: 'ERR_SINK_URI',
  SINK_IO: 'ERR_SINK_IO',
  NATIVE_UNAVAILABLE: 'ERR_NATIVE_UNAVAILABLE',
  FILTER_INVALID: 'ERR_FILTER_INVALID',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class AgentError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A capture file that cannot be read: names the file, the byte offset and the field at fault. */
export class CaptureFormatError extends AgentError {
  readonly file: string;
  readonly offset: number;
  readonly field: string;
  constructor(file: string, offset: number, field: string, why: string, options?: ErrorOptions) {
    super(ErrorCode.CAPTURE_FORMAT, `${file}: offset ${offset}: ${field}: ${why}`, options);
    this.file = file;
    this.offset = offset;
    this.field = field;
  }
}

/** Bad command-line usage: the CLI prints the message and exits 2. */
export class UsageError extends AgentError {
  constructor(message: string) {
    super(ErrorCode.USAGE, message);
  }
}

/** A sink that cannot be opened or written. `retryable` says whether trying again may help. */
export class SinkError extends AgentError {
  readonly retryable: boolean;
  constructor(code: ErrorCode, message: string, retryable: boolean, options?: ErrorOptions) {
    super(code, message, options);
    this.retryable = retryable;
  }
}

/**
 * A tcpdump-syntax packet filter libpcap would not compile, for the link type named: the message
 * quotes the expression and libpcap's own words. An input error, like UsageError.
 */
export class FilterError extends AgentError {
  readonly expression: string;
  readonly linkType: number;
  constructor(expression: string, linkType: number, why: string, linkName = `link type ${linkType}`, options?: ErrorOptions) {
    super(ErrorCode.FILTER_INVALID, `invalid packet filter '${expression}' for ${linkName}: ${why}`, options);
    this.expression = expression;
    this.linkType = linkType;
  }
}
