package tcpbalancer.protocol;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * A request to resize one image.
 *
 * @param name   the original file name, for reports and the result's name; never trusted as a path
 * @param format the image format as the sender sees it ({@code jpeg}, {@code png}); the backend checks the bytes
 * @param width  target width in pixels, 1..65535
 * @param height target height in pixels, 1..65535
 * @param mode   how the result fits the target box
 * @param dryRun when true, the backend answers without decoding anything (measures the network path)
 * @param image  the encoded image; empty in a dry run
 */
public record ResizeRequest(String name, String format, int width, int height, ResizeMode mode, boolean dryRun,
                            Buffer image) {

  private static final int FLAG_DRY_RUN = 1;

  public ResizeRequest {
    if (width < 1 || width > 0xFFFF || height < 1 || height > 0xFFFF) {
      throw new StatusException(Status.BAD_REQUEST,
        "target size " + width + "x" + height + " is out of range (1..65535 each way)");
    }
  }

  public Buffer encode() {
    return new BodyWriter(16 + name.length() + image.length())
      .u16(width)
      .u16(height)
      .u8(mode.code())
      .u8(dryRun ? FLAG_DRY_RUN : 0)
      .shortString(format, "format")
      .longString(name, "name")
      .bytes(image)
      .buffer();
  }

  /** Decodes a request body; the image is a slice of {@code body}, not a copy. */
  public static ResizeRequest decode(Buffer body) {
    BodyReader reader = new BodyReader(body, Status.BAD_REQUEST);
    int width = reader.u16("width");
    int height = reader.u16("height");
    int modeCode = reader.u8("mode");
    ResizeMode mode = WireCode.byCode(ResizeMode.class, modeCode)
      .orElseThrow(() -> new StatusException(Status.BAD_REQUEST, "unknown resize mode " + modeCode));
    int flags = reader.u8("flags");
    String format = reader.shortString("format");
    String name = reader.longString("name");
    return new ResizeRequest(name, format, width, height, mode, (flags & FLAG_DRY_RUN) != 0, reader.rest());
  }

  /**
   * The body size of a request for an image of {@code imageBytes} bytes, without building it: a sender checks it
   * against the peer's frame limit before reading the image.
   */
  public static long bodySize(String name, String format, long imageBytes) {
    return 2 + 2 + 1 + 1 // width, height, mode, flags
      + 1 + format.getBytes(StandardCharsets.UTF_8).length
      + 2 + name.getBytes(StandardCharsets.UTF_8).length
      + imageBytes;
  }

  public Frame toFrame(long requestId) {
    return new Frame(FrameType.RESIZE_REQUEST, requestId, encode());
  }
}
