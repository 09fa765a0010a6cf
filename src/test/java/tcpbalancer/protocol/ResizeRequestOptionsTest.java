package tcpbalancer.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The request's output format and quality: optional fields behind flags bit 1, so version-1 clients are unchanged. */
class ResizeRequestOptionsTest {

  /** A request body as a version-1 client writes it, byte by byte: no output options. */
  private static Buffer versionOneBody(int mode, int flags) {
    return Buffer.buffer()
      .appendUnsignedShort(200).appendUnsignedShort(150)
      .appendUnsignedByte((short) mode).appendUnsignedByte((short) flags)
      .appendUnsignedByte((short) 4).appendString("jpeg")
      .appendUnsignedShort(5).appendString("a.jpg")
      .appendBytes(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF});
  }

  @Test
  void aVersionOneRequestMeansTheSourcesFormatAtTheBackendsQuality() {
    ResizeRequest request = ResizeRequest.decode(versionOneBody(1, 0));

    assertThat(request.mode()).isEqualTo(ResizeMode.EXACT);
    assertThat(request.output()).isEqualTo(OutputFormat.SAME);
    assertThat(request.quality()).isEqualTo(ResizeRequest.BACKEND_QUALITY);
    assertThat(request.hasOutputOptions()).isFalse();
    assertThat(request.image().getBytes()).containsExactly(0xFF, 0xD8, 0xFF);
    // Written back, it is the very body a version-1 peer sends and reads.
    assertThat(request.encode()).isEqualTo(versionOneBody(1, 0));
  }

  @Test
  void outputOptionsTravelBehindFlagsBitOne() {
    ResizeRequest sent = new ResizeRequest("b.webp", "webp", 64, 48, ResizeMode.FILL, false,
      Buffer.buffer(new byte[] {1, 2, 3}), OutputFormat.JPEG, 75);

    Buffer body = sent.encode();

    assertThat(body.getUnsignedByte(4)).as("mode").isEqualTo((short) 2);
    assertThat(body.getUnsignedByte(5)).as("flags").isEqualTo((short) 2);
    assertThat(body.getUnsignedByte(6)).as("output format").isEqualTo((short) 1);
    assertThat(body.getUnsignedByte(7)).as("quality").isEqualTo((short) 75);
    assertThat(body.length()).isEqualTo((int) ResizeRequest.bodySize("b.webp", "webp", 3, true));
    assertThat(ResizeRequest.decode(body)).isEqualTo(sent);
  }

  @Test
  void aRequestWithTheDefaultsIsWrittenAsVersionOne() {
    ResizeRequest defaults = new ResizeRequest("a.jpg", "jpeg", 200, 150, ResizeMode.EXACT, false,
      Buffer.buffer(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF}), OutputFormat.SAME, 0);

    assertThat(defaults.encode()).isEqualTo(versionOneBody(1, 0));
  }

  @Test
  void aQualityOutOfRangeIsABadRequestThatSaysSo() {
    Buffer body = Buffer.buffer().appendUnsignedShort(10).appendUnsignedShort(10)
      .appendUnsignedByte((short) 0).appendUnsignedByte((short) 2)
      .appendUnsignedByte((short) 1).appendUnsignedByte((short) 101)
      .appendUnsignedByte((short) 3).appendString("png").appendUnsignedShort(1).appendString("x");

    assertThatThrownBy(() -> ResizeRequest.decode(body))
      .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.status()).isEqualTo(Status.BAD_REQUEST))
      .hasMessage("JPEG quality 101 is out of range (1..100, or 0 for the backend's default)");
  }

  @Test
  void anUnknownOutputFormatOrFlagIsABadRequest() {
    Buffer unknownFormat = Buffer.buffer().appendUnsignedShort(10).appendUnsignedShort(10)
      .appendUnsignedByte((short) 0).appendUnsignedByte((short) 2)
      .appendUnsignedByte((short) 9).appendUnsignedByte((short) 0);
    assertThatThrownBy(() -> ResizeRequest.decode(unknownFormat)).hasMessage("unknown output format 9");

    assertThatThrownBy(() -> ResizeRequest.decode(versionOneBody(0, 4)))
      .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.status()).isEqualTo(Status.BAD_REQUEST))
      .hasMessage("unknown request flags 0x04 (this backend knows 0x03)");
    assertThatThrownBy(() -> ResizeRequest.decode(versionOneBody(3, 0))).hasMessage("unknown resize mode 3");
  }

  @Test
  void acrossTheClusterTheOptionsTravelWithTheRequest() {
    ResizeRequest sent = new ResizeRequest("c.tif", "tiff", 300, 200, ResizeMode.FILL, false,
      Buffer.buffer(new byte[] {'I', 'I', 42, 0}), OutputFormat.PNG, 0);
    Buffer wire = Buffer.buffer("before");

    EventBusCodecs.REQUEST.encodeToWire(wire, sent);
    ResizeRequest received = EventBusCodecs.REQUEST.decodeFromWire("before".length(), wire);

    assertThat(received).isEqualTo(sent);
    assertThat(received.output()).isEqualTo(OutputFormat.PNG);
    assertThat(received.mode()).isEqualTo(ResizeMode.FILL);
  }

  /** docs/protocol.md's example of a request with output options is what the codec writes. */
  @Test
  void theDocumentedExampleIsWhatTheCodecWrites() throws IOException {
    String doc = Files.readString(Path.of("docs/protocol.md"), StandardCharsets.UTF_8);
    String section = doc.substring(doc.indexOf("## Output options"));
    String example = section.substring(section.indexOf("```") + 3);
    example = example.substring(0, example.indexOf("```"));
    Buffer documented = Buffer.buffer();
    for (String line : example.strip().split("\n")) {
      for (String octet : line.split(" {3,}")[0].trim().split("\\s+")) {
        documented.appendUnsignedByte((short) Integer.parseInt(octet, 16));
      }
    }

    Buffer encoded = new ResizeRequest("a.png", "png", 200, 200, ResizeMode.FILL, true, Buffer.buffer(),
      OutputFormat.JPEG, 80).toFrame(2).encode();

    assertThat(documented.getBytes()).isEqualTo(encoded.getBytes());
  }
}
