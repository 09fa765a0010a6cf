package tcpbalancer.proxy.requests;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.buffer.impl.BufferImpl;
import io.vertx.core.internal.buffer.BufferInternal;
import java.util.List;
import tcpbalancer.protocol.Frame;
import tcpbalancer.protocol.FrameType;

/**
 * Writes a frame of docs/protocol.md around body bytes the proxy relays as they are: only the request id differs
 * between a client's side and a backend's side of the proxy. A request's body is not copied (but for a small one):
 * header and body pieces are joined as one Netty composite buffer, all direct ({@link #request}), so one write (one
 * system call, one segment) carries them as they are. An answer's (small, on the heap) is copied once, with its
 * header, into one direct buffer ({@link #response}).
 */
final class FrameHeaders {

  /**
   * Body bytes up to which a request's start is copied after its header rather than joined to it: for a small frame
   * a composite, a duplicate of each piece and a gathering write cost more than copying a few hundred bytes.
   */
  static final int COPIED_BODY_BYTES = 2048;

  private FrameHeaders() {
  }

  /**
   * A request frame for a backend: a direct header from {@code alloc} and {@code pieces} (direct buffers as they
   * were read), as one composite that holds a reference of its own to each piece, so that the caller keeps its
   * own. All direct, Netty writes it as it is (one writev), without copying it into a buffer of its own first. Up
   * to {@link #COPIED_BODY_BYTES} of them are copied after the header instead, into one buffer: the caller's
   * references are its own either way.
   */
  static ByteBuf request(ByteBufAllocator alloc, long requestId, int bodySize, List<Buffer> pieces) {
    int start = 0;
    for (int i = 0; i < pieces.size(); i++) {
      start += pieces.get(i).length();
    }
    boolean copied = start <= COPIED_BODY_BYTES;
    int headerCapacity = Frame.HEADER_SIZE + (copied ? start : 0);
    ByteBuf header = withHeader(alloc.directBuffer(headerCapacity, headerCapacity), FrameType.RESIZE_REQUEST,
      requestId, bodySize);
    if (copied) {
      for (int i = 0; i < pieces.size(); i++) {
        ByteBuf piece = byteBuf(pieces.get(i));
        header.writeBytes(piece, piece.readerIndex(), piece.readableBytes());
      }
      return header;
    }
    CompositeByteBuf frame = alloc.compositeDirectBuffer(pieces.size() + 1).addComponent(true, header);
    for (Buffer piece : pieces) {
      frame.addComponent(true, byteBuf(piece).retainedDuplicate());
    }
    return frame;
  }

  /** The Netty buffer under {@code buffer} itself (not the unreleasable view Vert.x's getByteBuf gives). */
  static ByteBuf byteBuf(Buffer buffer) {
    return ((BufferImpl) buffer).byteBuf();
  }

  /**
   * A response frame for a client: header and {@code body} copied into one direct buffer from {@code alloc}. Netty
   * would copy a heap frame into a direct buffer of its own anyway; copied here, the write needs no composite.
   */
  static ByteBuf response(ByteBufAllocator alloc, long requestId, Buffer body) {
    ByteBuf bytes = byteBuf(body);
    int size = bytes.readableBytes();
    return withHeader(alloc.directBuffer(Frame.HEADER_SIZE + size, Frame.HEADER_SIZE + size),
      FrameType.RESIZE_RESPONSE, requestId, size).writeBytes(bytes, bytes.readerIndex(), size);
  }

  /** {@code out} with the header of docs/protocol.md written: magic, version, type, request id, body size. */
  private static ByteBuf withHeader(ByteBuf out, FrameType type, long requestId, int bodySize) {
    return out.writeShort(Frame.MAGIC)
      .writeByte(Frame.VERSION)
      .writeByte(type.code())
      .writeInt((int) requestId)
      .writeInt(bodySize);
  }

  /** Pieces of one body as one buffer, without copying them. */
  static Buffer joined(List<Buffer> pieces) {
    if (pieces.size() == 1) {
      return pieces.get(0);
    }
    ByteBuf[] parts = new ByteBuf[pieces.size()];
    for (int i = 0; i < parts.length; i++) {
      parts[i] = ((BufferInternal) pieces.get(i)).getByteBuf();
    }
    return BufferInternal.buffer(Unpooled.wrappedBuffer(parts.length, parts));
  }

  /** The status byte of a response body (its first byte, docs/protocol.md), or -1 for an empty body. */
  static int status(Buffer responseBody) {
    return responseBody.length() == 0 ? -1 : responseBody.getUnsignedByte(0);
  }
}
