package tcpbalancer.protocol;

import java.util.Optional;

/** What a frame carries. */
public enum FrameType implements WireCode {
  RESIZE_REQUEST(1),
  RESIZE_RESPONSE(2);

  private final int code;

  FrameType(int code) {
    this.code = code;
  }

  @Override
  public int code() {
    return code;
  }

  /** The type for a wire code, if it is known. */
  public static Optional<FrameType> fromCode(int code) {
    return WireCode.byCode(FrameType.class, code);
  }
}
