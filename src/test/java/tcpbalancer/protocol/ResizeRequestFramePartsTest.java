package tcpbalancer.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

/** A request written as its two parts (header with fields, then the image's own buffer) is the very frame. */
class ResizeRequestFramePartsTest {

  private static Buffer joined(Buffer[] parts) {
    Buffer all = Buffer.buffer();
    for (Buffer part : parts) {
      all.appendBuffer(part);
    }
    return all;
  }

  @Test
  void thePartsAreTheFramesBytesAndTheImageIsNotCopied() {
    Buffer image = Buffer.buffer(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 1, 2, 3});
    ResizeRequest request = new ResizeRequest("ü.jpg", "jpeg", 200, 150, ResizeMode.FILL, false, image,
      OutputFormat.PNG, 75);

    Buffer[] parts = request.toFrameParts(0xFFFF_FFFEL);

    assertThat(joined(parts)).isEqualTo(request.toFrame(0xFFFF_FFFEL).encode());
    assertThat(parts[1]).isSameAs(image);
  }

  @Test
  void aDryRunsPartsAreAFrameWithAnEmptyImage() {
    ResizeRequest request = new ResizeRequest("a.png", "png", 1, 65535, ResizeMode.FIT, true, Buffer.buffer());

    Buffer[] parts = request.toFrameParts(1);

    assertThat(joined(parts)).isEqualTo(request.toFrame(1).encode());
    assertThat(parts[1].length()).isZero();
  }
}
