package tcpbalancer.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tcpbalancer.testing.FedReadStream;

class FrameParserTest {

  private final List<Frame> frames = new ArrayList<>();
  private final List<StatusException> errors = new ArrayList<>();

  private FrameParser parser(int maxBodySize) {
    return FrameParser.create(maxBodySize).frameHandler(frames::add).errorHandler(errors::add);
  }

  private static ResizeRequest request(String name, int imageBytes) {
    byte[] image = new byte[imageBytes];
    for (int i = 0; i < image.length; i++) {
      image[i] = (byte) (i * 31);
    }
    return new ResizeRequest(name, "jpeg", 200, 150, ResizeMode.FIT, false, Buffer.buffer(image));
  }

  private static ResizeResponse response() {
    return new ResizeResponse(Status.OK, 200, 133, 12_345, "png", "backend-1", "photo.png", "",
      Buffer.buffer(new byte[] {1, 2, 3, 4, 5}));
  }

  @Test
  void requestRoundTrip() {
    ResizeRequest sent = new ResizeRequest("été/ñame.jpg", "jpeg", 65535, 1, ResizeMode.EXACT, true,
      Buffer.buffer("pixels"));
    parser(1024).handle(sent.toFrame(42).encode());

    assertThat(errors).isEmpty();
    assertThat(frames).hasSize(1);
    Frame frame = frames.get(0);
    assertThat(frame.type()).isEqualTo(FrameType.RESIZE_REQUEST);
    assertThat(frame.requestId()).isEqualTo(42);
    assertThat(ResizeRequest.decode(frame.body())).isEqualTo(sent);
  }

  @Test
  void responseRoundTrip() {
    ResizeResponse sent = response();
    parser(1024).handle(sent.toFrame(Frame.MAX_REQUEST_ID).encode());

    assertThat(frames).singleElement().satisfies(frame -> {
      assertThat(frame.requestId()).isEqualTo(Frame.MAX_REQUEST_ID);
      assertThat(ResizeResponse.decode(frame.body())).isEqualTo(sent);
    });
  }

  @Test
  void failureResponseRoundTrip() {
    ResizeResponse sent = ResizeResponse.failure(Status.TOO_MANY_PIXELS, "b1", "bomb.png", "too big");
    ResizeResponse received = ResizeResponse.decode(sent.encode());
    assertThat(received).isEqualTo(sent);
    assertThat(received.ok()).isFalse();
  }

  @Test
  void framesSplitAtEveryByteArriveWhole() {
    Buffer stream = Buffer.buffer()
      .appendBuffer(request("a.jpg", 300).toFrame(1).encode())
      .appendBuffer(response().toFrame(2).encode())
      .appendBuffer(request("c.jpg", 0).toFrame(3).encode());
    for (int split = 0; split <= stream.length(); split++) {
      frames.clear();
      FrameParser parser = parser(1024);
      parser.handle(stream.getBuffer(0, split));
      parser.handle(stream.getBuffer(split, stream.length()));
      assertThat(errors).isEmpty();
      assertThat(frames).extracting(Frame::requestId).as("split at %d", split).containsExactly(1L, 2L, 3L);
      assertThat(ResizeRequest.decode(frames.get(0).body())).isEqualTo(request("a.jpg", 300));
    }
  }

  @Test
  void framesFedOneByteAtATimeArriveWhole() {
    Buffer stream = request("a.jpg", 100).toFrame(7).encode();
    FrameParser parser = parser(1024);
    for (int i = 0; i < stream.length(); i++) {
      assertThat(frames).isEmpty();
      parser.handle(stream.getBuffer(i, i + 1));
    }
    assertThat(frames).singleElement().satisfies(f -> assertThat(f.requestId()).isEqualTo(7));
  }

  @Test
  void severalFramesInOneRead() {
    Buffer stream = Buffer.buffer();
    for (int id = 1; id <= 50; id++) {
      stream.appendBuffer(request("img" + id, id).toFrame(id).encode());
    }
    parser(1024).handle(stream);
    assertThat(frames).hasSize(50);
    assertThat(frames.get(49).requestId()).isEqualTo(50);
    assertThat(ResizeRequest.decode(frames.get(49).body()).image().length()).isEqualTo(50);
  }

  @Test
  void badMagicIsRefusedAtOnceAndNothingFollows() {
    FrameParser parser = parser(1024);
    parser.handle(Buffer.buffer("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    parser.handle(request("a.jpg", 10).toFrame(1).encode());

    assertThat(frames).isEmpty();
    assertThat(errors).singleElement().satisfies(e -> {
      assertThat(e.status()).isEqualTo(Status.BAD_FRAME);
      assertThat(e.getMessage()).contains("bad magic");
    });
  }

  @Test
  void unknownVersionAndTypeAreRefused() {
    Buffer frame = request("a.jpg", 10).toFrame(1).encode();
    parser(1024).handle(frame.copy().setUnsignedByte(2, (short) 9));
    parser(1024).handle(frame.copy().setUnsignedByte(3, (short) 77));

    assertThat(frames).isEmpty();
    assertThat(errors).extracting(Throwable::getMessage)
      .containsExactly("unsupported protocol version 9 (this side speaks 1)", "unknown frame type 77");
  }

  @Test
  void oversizedLengthIsRefusedFromTheHeaderAlone() {
    Buffer header = Buffer.buffer()
      .appendShort(Frame.MAGIC).appendUnsignedByte((short) 1).appendUnsignedByte((short) 1)
      .appendUnsignedInt(5).appendUnsignedInt(0xFFFF_FFF0L);
    parser(1024).handle(header);

    assertThat(frames).isEmpty();
    assertThat(errors).singleElement().satisfies(e -> {
      assertThat(e.status()).isEqualTo(Status.FRAME_TOO_LARGE);
      assertThat(e.getMessage()).contains("4294967280").contains("1024");
    });
  }

  @Test
  void frameTruncatedByEndOfStreamIsReported() {
    Buffer frame = request("a.jpg", 100).toFrame(1).encode();
    FedReadStream stream = new FedReadStream();
    boolean[] ended = {false};
    FrameParser parser = FrameParser.on(stream, 1024).frameHandler(frames::add).errorHandler(errors::add)
      .endHandler(v -> ended[0] = true);

    stream.feed(frame.getBuffer(0, 60));
    assertThat(parser.inFrame()).isTrue();
    stream.end();

    assertThat(frames).isEmpty();
    assertThat(ended[0]).isTrue();
    assertThat(errors).singleElement().satisfies(e -> {
      assertThat(e.status()).isEqualTo(Status.BAD_FRAME);
      assertThat(e.getMessage()).contains("truncated frame");
    });
  }

  @Test
  void pausedParserHoldsFramesUntilResumed() {
    FedReadStream stream = new FedReadStream();
    FrameParser parser = FrameParser.on(stream, 1024).frameHandler(frames::add);
    parser.pause();
    stream.feed(Buffer.buffer().appendBuffer(request("a", 1).toFrame(1).encode())
      .appendBuffer(request("b", 1).toFrame(2).encode()));
    assertThat(frames).isEmpty();
    assertThat(stream.paused()).isTrue();

    parser.resume();
    assertThat(frames).extracting(Frame::requestId).containsExactly(1L, 2L);
  }

  @Test
  void shortRequestBodyNamesTheMissingField() {
    Buffer body = request("a.jpg", 0).encode().getBuffer(0, 7);
    assertThatThrownBy(() -> ResizeRequest.decode(body))
      .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.status()).isEqualTo(Status.BAD_REQUEST))
      .hasMessageContaining("format");
  }

  @Test
  void zeroTargetSizeIsABadRequest() {
    Buffer body = request("a.jpg", 0).encode().setUnsignedShort(0, 0);
    assertThatThrownBy(() -> ResizeRequest.decode(body))
      .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.status()).isEqualTo(Status.BAD_REQUEST))
      .hasMessageContaining("0x150");
  }

  @Test
  void unknownResizeModeIsABadRequest() {
    Buffer body = request("a.jpg", 0).encode().setUnsignedByte(4, (short) 9);
    assertThatThrownBy(() -> ResizeRequest.decode(body)).hasMessage("unknown resize mode 9");
  }

  @Test
  void framesSplitIntoThreeReadsAtEveryPairOfBoundariesArriveWhole() {
    Buffer stream = Buffer.buffer()
      .appendBuffer(request("a.jpg", 20).toFrame(1).encode())
      .appendBuffer(request("", 0).toFrame(2).encode())
      .appendBuffer(new Frame(FrameType.RESIZE_RESPONSE, 3, Buffer.buffer()).encode())
      .appendBuffer(request("d.jpg", 9).toFrame(4).encode());
    for (int first = 0; first <= stream.length(); first++) {
      for (int second = first; second <= stream.length(); second++) {
        frames.clear();
        FrameParser parser = parser(1024);
        parser.handle(stream.getBuffer(0, first));
        parser.handle(stream.getBuffer(first, second));
        parser.handle(stream.getBuffer(second, stream.length()));
        assertThat(errors).isEmpty();
        assertThat(frames).extracting(Frame::requestId).as("split at %d and %d", first, second)
          .containsExactly(1L, 2L, 3L, 4L);
        assertThat(ResizeRequest.decode(frames.get(0).body())).isEqualTo(request("a.jpg", 20));
        assertThat(frames.get(2).body().length()).isZero();
        assertThat(ResizeRequest.decode(frames.get(3).body())).isEqualTo(request("d.jpg", 9));
      }
    }
  }

  @Test
  void aBodyIsAssembledInOneBufferOfItsFinalSize() {
    ThreadAllocations allocations = new ThreadAllocations();
    Buffer stream = request("big.png", 4 << 20).toFrame(9).encode();
    int bodySize = stream.length() - Frame.HEADER_SIZE;
    List<Buffer> reads = new ArrayList<>();
    for (int at = 0; at < stream.length(); at += 65_536) {
      reads.add(stream.slice(at, Math.min(stream.length(), at + 65_536)));
    }
    FrameParser parser = parser(8 << 20);

    long before = allocations.now();
    reads.forEach(parser::handle);
    long allocated = allocations.now() - before;

    assertThat(frames).singleElement().satisfies(frame -> {
      assertThat(frame.body()).isEqualTo(stream.getBuffer(Frame.HEADER_SIZE, stream.length()));
      byte[] array = ((BufferInternal) frame.body()).getByteBuf().array();
      assertThat(array).as("the body's own array, of its size").hasSize(bodySize);
    });
    // One body's worth, not a growing buffer of reads and a copy of the frame out of it (three times as much).
    assertThat(allocated).isBetween((long) bodySize, (long) bodySize + (bodySize >> 4));
  }

  @Test
  void aBodyWaitingAtItsAnnouncementIsNotAllocatedUntilResumed() {
    ThreadAllocations allocations = new ThreadAllocations();
    Buffer stream = request("big.png", 4 << 20).toFrame(5).encode();
    FedReadStream socket = new FedReadStream();
    List<Integer> announced = new ArrayList<>();
    FrameParser parser = FrameParser.on(socket, 8 << 20).frameHandler(frames::add).errorHandler(errors::add);
    parser.bodyAnnouncedHandler(size -> {
      announced.add(size);
      parser.pause();
    });
    Buffer first = stream.slice(0, 60_000);
    Buffer rest = stream.slice(60_000, stream.length());

    long before = allocations.now();
    socket.feed(first);
    long allocatedWhileWaiting = allocations.now() - before;

    assertThat(announced).containsExactly(stream.length() - Frame.HEADER_SIZE);
    assertThat(socket.paused()).isTrue();
    assertThat(allocatedWhileWaiting).as("bytes allocated before the reader resumes").isLessThan(4096);
    assertThat(parser.inFrame()).isTrue();
    socket.feed(rest);
    assertThat(frames).isEmpty();

    parser.resume();
    assertThat(socket.paused()).isFalse();
    assertThat(frames).singleElement().satisfies(frame -> assertThat(frame.body())
      .isEqualTo(stream.getBuffer(Frame.HEADER_SIZE, stream.length())));
    assertThat(parser.inFrame()).isFalse();
  }

  @Test
  void pausingInTheFrameHandlerHoldsTheRestOfTheReadAndTheEnd() {
    FedReadStream socket = new FedReadStream();
    boolean[] ended = {false};
    FrameParser parser = FrameParser.on(socket, 1024).errorHandler(errors::add).endHandler(v -> ended[0] = true);
    parser.frameHandler(frame -> {
      frames.add(frame);
      parser.pause();
    });
    socket.feed(Buffer.buffer().appendBuffer(request("a", 3).toFrame(1).encode())
      .appendBuffer(request("b", 0).toFrame(2).encode()).appendBuffer(request("c", 5).toFrame(3).encode()));
    socket.end();

    for (long id = 1; id <= 3; id++) {
      assertThat(frames).extracting(Frame::requestId).last().isEqualTo(id);
      assertThat(socket.paused()).isTrue();
      assertThat(ended[0]).as("ended after frame %d", id).isFalse();
      parser.resume();
    }
    assertThat(frames).hasSize(3);
    assertThat(ended[0]).isTrue();
    assertThat(errors).isEmpty();
  }

  @Test
  void aRefusalAtTheAnnouncementIsTheOneErrorAndNothingFollows() {
    FedReadStream socket = new FedReadStream();
    boolean[] ended = {false};
    FrameParser parser = FrameParser.on(socket, 1024).frameHandler(frames::add).errorHandler(errors::add)
      .endHandler(v -> ended[0] = true).bodyAnnouncedHandler(size -> {
        throw new StatusException(Status.FRAME_TOO_LARGE, "no room for " + size);
      });
    Buffer frame = request("a", 10).toFrame(1).encode();
    socket.feed(Buffer.buffer().appendBuffer(frame).appendBuffer(frame));
    socket.feed(frame);
    parser.resume();
    socket.end();

    assertThat(frames).isEmpty();
    assertThat(socket.paused()).isTrue();
    assertThat(ended[0]).isTrue();
    assertThat(errors).singleElement().satisfies(e -> assertThat(e.getMessage())
      .isEqualTo("no room for " + (frame.length() - Frame.HEADER_SIZE)));
  }

  @Test
  void truncatedHeaderAtTheEndIsReported() {
    FedReadStream socket = new FedReadStream();
    FrameParser.on(socket, 1024).frameHandler(frames::add).errorHandler(errors::add);
    socket.feed(request("a", 1).toFrame(1).encode().appendBuffer(request("b", 1).toFrame(2).encode(), 0, 5));
    socket.end();

    assertThat(frames).extracting(Frame::requestId).containsExactly(1L);
    assertThat(errors).singleElement().satisfies(e -> assertThat(e.getMessage())
      .isEqualTo("truncated frame header: 5 of 12 bytes"));
  }

  /** The bytes this thread has allocated on the heap so far. */
  private static final class ThreadAllocations {
    private final com.sun.management.ThreadMXBean threads =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    ThreadAllocations() {
      assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
    }

    long now() {
      return threads.getCurrentThreadAllocatedBytes();
    }
  }
}
