package tcpbalancer.protocol;

import io.vertx.core.buffer.Buffer;

/**
 * The answer to one {@link ResizeRequest}.
 *
 * @param status           {@link Status#OK} or why the request failed
 * @param width            the result's width (0 on failure)
 * @param height           the result's height (0 on failure)
 * @param processingMicros time the backend spent on the request, in microseconds
 * @param format           the result's format ({@code jpeg}, {@code png}); empty on failure
 * @param backend          the name of the backend that answered
 * @param name             the request's file name, echoed; a client must not trust it as a path
 * @param message          a human-readable reason on failure; empty when ok
 * @param image            the encoded result; empty on failure and in a dry run
 */
public record ResizeResponse(Status status, int width, int height, long processingMicros, String format,
                             String backend, String name, String message, Buffer image) {

  private static final long MAX_MICROS = 0xFFFF_FFFFL;

  public static ResizeResponse failure(Status status, String backend, String name, String message) {
    return new ResizeResponse(status, 0, 0, 0, "", backend, name, message, Buffer.buffer());
  }

  public boolean ok() {
    return status == Status.OK;
  }

  /** This answer as given by {@code backend}: a resize worker answers without a name, its backend adds its own. */
  public ResizeResponse withBackend(String backend) {
    return new ResizeResponse(status, width, height, processingMicros, format, backend, name, message, image);
  }

  public Buffer encode() {
    return new BodyWriter(24 + message.length() + name.length() + image.length())
      .u8(status.code())
      .u16(width)
      .u16(height)
      .u32(Math.min(processingMicros, MAX_MICROS))
      .shortString(format, "format")
      .shortString(backend, "backend")
      .longString(name, "name")
      .longString(message, "message")
      .bytes(image)
      .buffer();
  }

  public static ResizeResponse decode(Buffer body) {
    BodyReader reader = new BodyReader(body, Status.BAD_FRAME);
    Status status = Status.fromCode(reader.u8("status"));
    int width = reader.u16("width");
    int height = reader.u16("height");
    long micros = reader.u32("processing time");
    String format = reader.shortString("format");
    String backend = reader.shortString("backend");
    String name = reader.longString("name");
    String message = reader.longString("message");
    return new ResizeResponse(status, width, height, micros, format, backend, name, message, reader.rest());
  }

  public Frame toFrame(long requestId) {
    return new Frame(FrameType.RESIZE_RESPONSE, requestId, encode());
  }
}
