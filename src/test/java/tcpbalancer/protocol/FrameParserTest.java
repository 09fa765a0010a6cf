package tcpbalancer.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
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

}
