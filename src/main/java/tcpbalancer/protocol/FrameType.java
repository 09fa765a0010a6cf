package tcpbalancer.protocol;

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
}
