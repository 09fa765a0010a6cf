package tcpbalancer.protocol;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * A request to resize one image.
 *
 * @param name    the original file name, for reports and the result's name; never trusted as a path
 * @param format  the image format as the sender sees it ({@code jpeg}, {@code png}, {@code webp}...); the backend
 *                reads the bytes itself
 * @param width   target width in pixels, 1..65535
 * @param height  target height in pixels, 1..65535
 * @param mode    how the result fits the target box
 * @param dryRun  when true, the backend answers without decoding anything (measures the network path)
 * @param image   the encoded image; empty in a dry run
 * @param output  the result's format
 * @param quality JPEG quality of the result, 1..100, or {@link #BACKEND_QUALITY} for the backend's own setting
 */
public record ResizeRequest(String name, String format, int width, int height, ResizeMode mode, boolean dryRun,
                            Buffer image, OutputFormat output, int quality) {

  /** The quality a request leaves to the backend (its {@code jpegQuality}). */
  public static final int BACKEND_QUALITY = 0;
  public static final int MAX_QUALITY = 100;
  private static final int FLAG_DRY_RUN = 1;
  /** The output format and quality follow the flags: set only when they are not the defaults (docs/protocol.md). */
  private static final int FLAG_OUTPUT = 2;
  private static final int KNOWN_FLAGS = FLAG_DRY_RUN | FLAG_OUTPUT;

  public ResizeRequest {
    if (width < 1 || width > 0xFFFF || height < 1 || height > 0xFFFF) {
      throw new StatusException(Status.BAD_REQUEST,
        "target size " + width + "x" + height + " is out of range (1..65535 each way)");
    }
    if (quality < BACKEND_QUALITY || quality > MAX_QUALITY) {
      throw new StatusException(Status.BAD_REQUEST,
        "JPEG quality " + quality + " is out of range (1..100, or 0 for the backend's default)");
    }
  }

  /** A request for the source's format at the backend's quality: what a version-1 client asks. */
  public ResizeRequest(String name, String format, int width, int height, ResizeMode mode, boolean dryRun,
                       Buffer image) {
    this(name, format, width, height, mode, dryRun, image, OutputFormat.SAME, BACKEND_QUALITY);
  }

  public Buffer encode() {
    return fields(image.length()).bytes(image).buffer();
  }

  /**
   * The body's fields before the image: a sender writes them and then the image's own buffer, so the image's bytes
   * are not copied into a body first ({@link #toFrameParts}).
   */
  public Buffer encodeFields() {
    return fields(0).buffer();
  }

  private BodyWriter fields(int roomAfter) {
    boolean outputOptions = hasOutputOptions();
    BodyWriter writer = new BodyWriter(18 + name.length() + roomAfter)
      .u16(width)
      .u16(height)
      .u8(mode.code())
      .u8((dryRun ? FLAG_DRY_RUN : 0) | (outputOptions ? FLAG_OUTPUT : 0));
    if (outputOptions) {
      writer.u8(output.code()).u8(quality);
    }
    return writer
      .shortString(format, "format")
      .longString(name, "name");
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
    if ((flags & ~KNOWN_FLAGS) != 0) {
      throw new StatusException(Status.BAD_REQUEST,
        String.format("unknown request flags 0x%02x (this backend knows 0x%02x)", flags & ~KNOWN_FLAGS, KNOWN_FLAGS));
    }
    OutputFormat output = OutputFormat.SAME;
    int quality = BACKEND_QUALITY;
    if ((flags & FLAG_OUTPUT) != 0) {
      int outputCode = reader.u8("output format");
      output = WireCode.byCode(OutputFormat.class, outputCode)
        .orElseThrow(() -> new StatusException(Status.BAD_REQUEST, "unknown output format " + outputCode));
      quality = reader.u8("quality");
    }
    String format = reader.shortString("format");
    String name = reader.longString("name");
    return new ResizeRequest(name, format, width, height, mode, (flags & FLAG_DRY_RUN) != 0, reader.rest(), output,
      quality);
  }

  /**
   * The body size of a request for an image of {@code imageBytes} bytes, without building it: a sender checks it
   * against the peer's frame limit before reading the image. {@code outputOptions}: whether the request carries an
   * output format and quality ({@link #hasOutputOptions()}).
   */
  public static long bodySize(String name, String format, long imageBytes, boolean outputOptions) {
    return 2 + 2 + 1 + 1 // width, height, mode, flags
      + (outputOptions ? 2 : 0) // output format, quality
      + 1 + format.getBytes(StandardCharsets.UTF_8).length
      + 2 + name.getBytes(StandardCharsets.UTF_8).length
      + imageBytes;
  }

  /** The body size of a request without output options, as a version-1 client sends it. */
  public static long bodySize(String name, String format, long imageBytes) {
    return bodySize(name, format, imageBytes, false);
  }

  /** True when the request asks for more than the source's format at the backend's quality. */
  public boolean hasOutputOptions() {
    return output != OutputFormat.SAME || quality != BACKEND_QUALITY;
  }

  public Frame toFrame(long requestId) {
    return new Frame(FrameType.RESIZE_REQUEST, requestId, encode());
  }

  /**
   * The same bytes as {@code toFrame(requestId).encode()}, as two buffers to write one after the other: the header
   * with the fields, and the image itself, uncopied.
   */
  public Buffer[] toFrameParts(long requestId) {
    Buffer fields = encodeFields();
    Buffer head = Frame.header(FrameType.RESIZE_REQUEST, requestId, fields.length() + image.length(),
      fields.length()).appendBuffer(fields);
    return new Buffer[] {head, image};
  }
}
