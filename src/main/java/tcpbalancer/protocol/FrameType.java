package tcpbalancer.protocol;

/** What a frame carries. */
public enum FrameType {
  RESIZE_REQUEST(1),
  RESIZE_RESPONSE(2);

  private final int code;

  FrameType(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  /** The type for a wire code, or {@code null} when the code is unknown. */
  public static FrameType fromCode(int code) {
    for (FrameType type : values()) {
      if (type.code == code) {
        return type;
      }
    }
    return null;
  }
}
