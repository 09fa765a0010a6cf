package tcpbalancer.proxy.requests;

import io.vertx.core.buffer.Buffer;
import tcpbalancer.protocol.Frame;
import tcpbalancer.protocol.FrameType;

/**
 * Writes the 12-byte header of docs/protocol.md for a body the proxy relays as it is: only the request id
 * differs between a client's side and a backend's side of the proxy.
 */
final class FrameHeaders {

  private FrameHeaders() {
  }

  static Buffer header(FrameType type, long requestId, int bodyLength) {
    return Buffer.buffer(Frame.HEADER_SIZE)
      .appendShort(Frame.MAGIC)
      .appendUnsignedByte((short) Frame.VERSION)
      .appendUnsignedByte((short) type.code())
      .appendUnsignedInt(requestId)
      .appendUnsignedInt(bodyLength);
  }

  /** The status byte of a response body (its first byte, docs/protocol.md), or -1 for an empty body. */
  static int status(Buffer responseBody) {
    return responseBody.length() == 0 ? -1 : responseBody.getUnsignedByte(0);
  }
}
