/**
 * Errors of the capture file reader. Both keep the core codes (docs/errors.md): a corrupt file is
 * `ERR_CAPTURE_FORMAT`, a file that cannot be opened or read is `ERR_CAPTURE_IO`.
 */
import { AgentError, CaptureFormatError, ErrorCode } from '../../core/errors.js';

/**
 * A corrupt or unsupported capture, found after `packetsBefore` packets were delivered to the
 * handler (they stay valid: the reader never takes back what it delivered).
 */
export class PcapFormatError extends CaptureFormatError {
  readonly packetsBefore: number;
  constructor(file: string, offset: number, field: string, why: string, packetsBefore: number, options?: ErrorOptions) {
    super(file, offset, field, packetsBefore > 0 ? `${why} (after ${packetsBefore} packets)` : why, options);
    this.packetsBefore = packetsBefore;
  }
}

/** The input cannot be opened or read (missing file, permissions, a directory, a failing stream). */
export class CaptureIoError extends AgentError {
  readonly file: string;
  constructor(file: string, message: string, options?: ErrorOptions) {
    super(ErrorCode.CAPTURE_IO, `${file}: ${message}`, options);
    this.file = file;
  }
}
