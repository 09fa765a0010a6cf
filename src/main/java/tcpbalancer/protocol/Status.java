package tcpbalancer.protocol;

/**
 * The status of a response frame: {@link #OK} or an error code. The codes are part of the wire protocol
 * (docs/protocol.md) and never change meaning.
 */
public enum Status {
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

  private static final Status[] BY_CODE = new Status[256];

  static {
    for (Status status : values()) {
      BY_CODE[status.code] = status;
    }
  }

  private final int code;
  private final String label;

  Status(int code, String label) {
    this.code = code;
    this.label = label;
  }

  public int code() {
    return code;
  }

  /** A short human label, e.g. {@code "corrupt image"}. */
  public String label() {
    return label;
  }

  /** The status for a wire code; unknown codes map to {@link #INTERNAL_ERROR} so a newer peer never crashes us. */
  public static Status fromCode(int code) {
    Status status = code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    return status != null ? status : INTERNAL_ERROR;
  }
}
