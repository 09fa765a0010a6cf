package tcpbalancer.proxy.requests;

import io.vertx.core.buffer.Buffer;
import tcpbalancer.protocol.Frame;
import tcpbalancer.protocol.FrameType;

/**
 * Writes a frame of docs/protocol.md around a body the proxy relays as it is: only the request id
 * differs between a client's side and a backend's side of the proxy.
 */
final class FrameHeaders {

  private FrameHeaders() {
  }

  /**
   * The whole frame, in one buffer: one write (one system call, one segment) instead of two; copying a body costs
   * less than a second write, even an image's.
   */
  static Buffer frame(FrameType type, long requestId, Buffer body) {
    return Buffer.buffer(Frame.HEADER_SIZE + body.length())
      .appendShort(Frame.MAGIC)
      .appendUnsignedByte((short) Frame.VERSION)
      .appendUnsignedByte((short) type.code())
      .appendUnsignedInt(requestId)
      .appendUnsignedInt(body.length())
      .appendBuffer(body);
  }

  /** The status byte of a response body (its first byte, docs/protocol.md), or -1 for an empty body. */
  static int status(Buffer responseBody) {
    return responseBody.length() == 0 ? -1 : responseBody.getUnsignedByte(0);
  }
}
