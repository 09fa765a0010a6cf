package tcpbalancer.protocol;

/**
 * The status of a response frame: {@link #OK} or an error code. The codes are part of the wire protocol
 * (docs/protocol.md) and never change meaning.
 */
public enum Status implements WireCode {
  OK(0, "ok"),
  BAD_REQUEST(1, "bad request"),
  EMPTY_IMAGE(2, "empty image"),
  NOT_AN_IMAGE(3, "not an image"),
  CORRUPT_IMAGE(4, "corrupt image"),
  TOO_MANY_PIXELS(5, "too many pixels"),
  UNSUPPORTED_FORMAT(6, "unsupported format"),
  FRAME_TOO_LARGE(7, "frame too large"),
  BAD_FRAME(8, "bad frame"),
  BUSY(9, "busy"),
  TIMEOUT(10, "timeout"),
  INTERNAL_ERROR(11, "internal error");

  private final int code;
  private final String label;

  Status(int code, String label) {
    this.code = code;
    this.label = label;
  }

  @Override
  public int code() {
    return code;
  }

  /** A short human label, e.g. {@code "corrupt image"}. */
  public String label() {
    return label;
  }

  /** The status for a wire code; unknown codes map to {@link #INTERNAL_ERROR} so a newer peer never crashes us. */
  public static Status fromCode(int code) {
    return WireCode.byCode(Status.class, code).orElse(INTERNAL_ERROR);
  }
}
