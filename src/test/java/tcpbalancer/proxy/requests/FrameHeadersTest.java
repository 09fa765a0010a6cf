package tcpbalancer.proxy.requests;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.util.List;
import org.junit.jupiter.api.Test;
import tcpbalancer.protocol.Frame;
import tcpbalancer.protocol.FrameType;

/**
 * The frames the proxy writes carry the protocol's header and the body bytes as given, whether a small body is
 * copied into one buffer or a large one joined without a copy, and leave the caller's pieces as they were.
 */
class FrameHeadersTest {

  private static final PooledByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

  private static Buffer piece(int size, int seed) {
    ByteBuf bytes = ALLOC.directBuffer(size);
    for (int i = 0; i < size; i++) {
      bytes.writeByte(seed + i);
    }
    return BufferInternal.buffer(bytes);
  }

  private static byte[] expected(FrameType type, long id, List<Buffer> pieces) {
    Buffer body = Buffer.buffer();
    pieces.forEach(body::appendBuffer);
    return new Frame(type, id, body).encode().getBytes();
  }

  private static void assertFrame(List<Buffer> pieces, boolean composite) {
    int size = pieces.stream().mapToInt(Buffer::length).sum();
    ByteBuf frame = FrameHeaders.request(ALLOC, 7, size, pieces);
    try {
      assertThat(frame instanceof CompositeByteBuf).isEqualTo(composite);
      assertThat(ByteBufUtil.getBytes(frame)).isEqualTo(expected(FrameType.RESIZE_REQUEST, 7, pieces));
      pieces.forEach(piece -> assertThat(FrameHeaders.byteBuf(piece).refCnt()).isGreaterThanOrEqualTo(1));
    } finally {
      frame.release();
    }
    for (Buffer piece : pieces) {
      assertThat(FrameHeaders.byteBuf(piece).refCnt()).as("the caller's reference, and only it").isEqualTo(1);
      FrameStream.release(piece);
    }
  }

  @Test
  void aSmallRequestIsOneBufferWithItsBodyCopied() {
    assertFrame(List.of(piece(100, 1), piece(FrameHeaders.COPIED_BODY_BYTES - 100, 3)), false);
  }

  @Test
  void aLargerRequestJoinsItsPiecesWithoutCopying() {
    assertFrame(List.of(piece(100, 1), piece(FrameHeaders.COPIED_BODY_BYTES, 3)), true);
  }

  @Test
  void aRequestWhoseBodyIsStillToComeIsItsHeader() {
    ByteBuf frame = FrameHeaders.request(ALLOC, 9, 5000, List.of());
    try {
      assertThat(frame.readableBytes()).isEqualTo(Frame.HEADER_SIZE);
      assertThat(frame.getUnsignedInt(4)).isEqualTo(9);
      assertThat(frame.getInt(8)).isEqualTo(5000);
    } finally {
      frame.release();
    }
  }

  @Test
  void aResponseIsItsHeaderAndBodyInOneDirectBuffer() {
    Buffer body = Buffer.buffer(new byte[] {0, 1, 2, 3, 4});
    ByteBuf frame = FrameHeaders.response(ALLOC, 0xFFFF_FFFEL, body);
    try {
      assertThat(frame.isDirect()).isTrue();
      assertThat(ByteBufUtil.getBytes(frame)).isEqualTo(expected(FrameType.RESIZE_RESPONSE, 0xFFFF_FFFEL,
        List.of(body)));
    } finally {
      frame.release();
    }
  }
}
