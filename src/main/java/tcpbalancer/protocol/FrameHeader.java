package tcpbalancer.protocol;

import io.vertx.core.buffer.Buffer;

/**
 * The 12-byte header of a {@link Frame}, checked: magic, version, a known type and a body no larger than the
 * reader's maximum. {@link FrameParser} and the request-balancing proxy (which streams bodies instead of buffering
 * them) read headers through it, so both refuse a bad one with the same words.
 */
public record FrameHeader(FrameType type, long requestId, int bodySize) {

  /** Reads the header at the start of {@code header}; a bad one throws, naming what is wrong. */
  public static FrameHeader read(Buffer header, int maxBodySize) {
    if (header.length() < Frame.HEADER_SIZE) {
      throw new StatusException(Status.BAD_FRAME,
        "truncated frame header: " + header.length() + " of " + Frame.HEADER_SIZE + " bytes");
    }
    int magic = header.getUnsignedShort(0);
    if (magic != Frame.MAGIC) {
      throw new StatusException(Status.BAD_FRAME,
        String.format("bad magic 0x%04x (expected 0x%04x): not a tcpbalancer peer", magic, Frame.MAGIC));
    }
    int version = header.getUnsignedByte(2);
    if (version != Frame.VERSION) {
      throw new StatusException(Status.BAD_FRAME,
        "unsupported protocol version " + version + " (this side speaks " + Frame.VERSION + ")");
    }
    int typeCode = header.getUnsignedByte(3);
    FrameType type = WireCode.byCode(FrameType.class, typeCode)
      .orElseThrow(() -> new StatusException(Status.BAD_FRAME, "unknown frame type " + typeCode));
    long bodySize = header.getUnsignedInt(8);
    if (bodySize > maxBodySize) {
      throw new StatusException(Status.FRAME_TOO_LARGE,
        "frame of " + bodySize + " bytes exceeds the limit of " + maxBodySize + " bytes");
    }
    return new FrameHeader(type, header.getUnsignedInt(4), (int) bodySize);
  }
}
