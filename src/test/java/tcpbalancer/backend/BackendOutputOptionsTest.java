package tcpbalancer.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tcpbalancer.TestImages;
import tcpbalancer.protocol.Frame;
import tcpbalancer.protocol.FrameParser;
import tcpbalancer.protocol.FrameType;
import tcpbalancer.protocol.OutputFormat;
import tcpbalancer.protocol.ResizeMode;
import tcpbalancer.protocol.ResizeRequest;
import tcpbalancer.protocol.ResizeResponse;
import tcpbalancer.protocol.Status;
import tcpbalancer.protocol.StatusException;
import tcpbalancer.testing.Topology;

/**
 * A backend serves version-1 clients as before and newer ones with output options, over its real TCP port: frames
 * are written here byte by byte, as a client in another language would write them.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class BackendOutputOptionsTest {

  private static final int MAX_FRAME = 32 * 1024 * 1024;

  /** A request body as a version-1 client writes it: width, height, mode, flags, format, name, image. */
  private static Buffer versionOneBody(int width, int height, int mode, String format, String name, byte[] image) {
    return Buffer.buffer().appendUnsignedShort(width).appendUnsignedShort(height)
      .appendUnsignedByte((short) mode).appendUnsignedByte((short) 0)
      .appendUnsignedByte((short) format.length()).appendString(format)
      .appendUnsignedShort(name.getBytes(StandardCharsets.UTF_8).length).appendString(name)
      .appendBytes(image);
  }

  /** Sends the frames on one connection and completes with the answers, in the order they arrive. */
  private static void exchange(Vertx vertx, VertxTestContext test, List<Buffer> frames,
                               java.util.function.Consumer<List<Frame>> check) {
    NetClient client = vertx.createNetClient();
    new Topology().workers(1).backend("b1").deploy(vertx)
      .compose(deployed -> client.connect(deployed.port("b1"), Topology.HOST))
      .onComplete(test.succeeding(socket -> {
        List<Frame> answers = new ArrayList<>();
        FrameParser.on(socket, MAX_FRAME).frameHandler(frame -> {
          answers.add(frame);
          if (answers.size() == frames.size()) {
            test.verify(() -> check.accept(answers));
            socket.close();
            test.completeNow();
          }
        });
        frames.forEach(socket::write);
      }));
  }

  /** A version-1 request of a JPEG and of a PNG gets the very result that request got before these options. */
  @Test
  void aVersionOneClientGetsWhatItGotBefore(Vertx vertx, VertxTestContext test) {
    byte[] jpeg = TestImages.read(TestImages.benchImage("forest-path_"));
    byte[] png = TestImages.read(TestImages.benchImage("meadow_"));
    ImageResizer resizer = new ImageResizer(ResizeWorkerOptions.fromJson(null, "config"));
    ResizedImage jpegBefore = resizer.resize(jpeg, 160, 120, ResizeMode.EXACT);
    ResizedImage pngBefore = resizer.resize(png, 100, 100, ResizeMode.FIT);

    exchange(vertx, test, List.of(
        new Frame(FrameType.RESIZE_REQUEST, 1, versionOneBody(160, 120, 1, "jpeg", "f.jpg", jpeg)).encode(),
        new Frame(FrameType.RESIZE_REQUEST, 2, versionOneBody(100, 100, 0, "png", "m.png", png)).encode()),
      answers -> {
        for (Frame frame : answers) {
          ResizeResponse answer = ResizeResponse.decode(frame.body());
          assertThat(answer.status()).as(answer.message()).isEqualTo(Status.OK);
          ResizedImage before = frame.requestId() == 1 ? jpegBefore : pngBefore;
          assertThat(answer.format()).isEqualTo(before.format());
          assertThat(new int[] {answer.width(), answer.height()}).containsExactly(before.width(), before.height());
          assertThat(answer.image().getBytes()).isEqualTo(before.bytes());
        }
      });
  }

  /** A quality out of range is refused with its reason, and the same connection serves the next request. */
  @Test
  void aQualityOutOfRangeIsRefusedAndTheConnectionKeepsServing(Vertx vertx, VertxTestContext test) {
    Buffer badQuality = Buffer.buffer().appendUnsignedShort(10).appendUnsignedShort(10)
      .appendUnsignedByte((short) 0).appendUnsignedByte((short) 2)
      .appendUnsignedByte((short) 1).appendUnsignedByte((short) 150)
      .appendUnsignedByte((short) 3).appendString("png").appendUnsignedShort(5).appendString("q.png")
      .appendBytes(TestImages.synthetic(40, 30, "png"));
    Buffer good = new ResizeRequest("w.webp", "webp", 64, 64, ResizeMode.FILL, false,
      Buffer.buffer(InputFormatsTest.resource("meadow-lossy.webp")), OutputFormat.JPEG, 50).toFrame(4).encode();

    exchange(vertx, test, List.of(new Frame(FrameType.RESIZE_REQUEST, 3, badQuality).encode(), good), answers -> {
      ResizeResponse refused = ResizeResponse.decode(answers.get(0).body());
      assertThat(answers.get(0).requestId()).isEqualTo(3);
      assertThat(refused.status()).isEqualTo(Status.BAD_REQUEST);
      assertThat(refused.message()).isEqualTo("JPEG quality 150 is out of range (1..100, or 0 for the backend's default)");
      ResizeResponse resized = ResizeResponse.decode(answers.get(1).body());
      assertThat(resized.status()).as(resized.message()).isEqualTo(Status.OK);
      assertThat(resized.format()).isEqualTo("jpeg");
      assertThat(new int[] {resized.width(), resized.height()}).containsExactly(64, 64);
      assertThat(ImageComparison.formatFound(resized.image().getBytes())).isEqualTo("jpeg");
    });
  }

  static Stream<Arguments> badImagesInEveryModeAndFormat() {
    Object[][] bad = {
      {"empty.jpg", Status.EMPTY_IMAGE, "empty"},
      {"text.png", Status.NOT_AN_IMAGE, "not an image"},
      {"random-bytes.jpg", Status.NOT_AN_IMAGE, "not an image"},
      {"truncated-half.jpg", Status.CORRUPT_IMAGE, "truncated"},
      {"bomb_30000x30000.png", Status.TOO_MANY_PIXELS, "30000x30000"}};
    return Stream.of(bad).flatMap(image -> Stream.of(ResizeMode.values()).flatMap(mode ->
      Stream.of(OutputFormat.values()).map(format -> Arguments.of(image[0], image[1], image[2], mode, format))));
  }

  /** The bad inputs of ../shared/bad-images are refused with their own reasons whatever the mode and format. */
  @ParameterizedTest(name = "{0} {3} {4}")
  @MethodSource("badImagesInEveryModeAndFormat")
  void badImagesAreRefusedWithTheirReasonInEveryModeAndFormat(String name, Status status, String reason,
                                                              ResizeMode mode, OutputFormat format) {
    assumeTrue(TestImages.haveBadImages(), "../shared/bad-images is not beside the project");
    byte[] bytes = TestImages.read(TestImages.badImagesDir().resolve(name));
    ImageResizer resizer = new ImageResizer(ResizeWorkerOptions.fromJson(null, "config"));

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> resizer.resize(bytes, 200, 150, mode, format, 80))
      .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.status()).isEqualTo(status))
      .hasMessageContaining(reason);
  }
}
