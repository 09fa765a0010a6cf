package tcpbalancer.protocol;

import io.vertx.core.buffer.Buffer;

/**
 * One protocol frame: a 12-byte header (magic, version, type, request id, body length) and its body.
 *
 * <pre>
 *   0      2        3     4            8             12
 *   | "TB" | version | type | request id | body length | body ...
 * </pre>
 * All integers are big-endian and unsigned. See docs/protocol.md.
 */
public record Frame(FrameType type, long requestId, Buffer body) {

  public static final int HEADER_SIZE = 12;
  public static final short MAGIC = 0x5442; // "TB"
  public static final int VERSION = 1;
  public static final int DEFAULT_MAX_BODY_SIZE = 32 * 1024 * 1024;
  /** Request ids are unsigned 32-bit numbers. */
  public static final long MAX_REQUEST_ID = 0xFFFF_FFFFL;

  /** The whole frame, header and body, ready to write to a socket. */
  public Buffer encode() {
    return header(type, requestId, body.length(), body.length()).appendBuffer(body);
  }

  /** A frame's header alone, in a buffer with room for {@code roomAfter} more bytes. */
  public static Buffer header(FrameType type, long requestId, int bodyLength, int roomAfter) {
    return Buffer.buffer(HEADER_SIZE + roomAfter)
      .appendShort(MAGIC)
      .appendUnsignedByte((short) VERSION)
      .appendUnsignedByte((short) type.code())
      .appendUnsignedInt(requestId)
      .appendUnsignedInt(bodyLength);
  }
}
