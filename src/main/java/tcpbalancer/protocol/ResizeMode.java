package tcpbalancer.protocol;

/** How the result's size relates to the requested width and height. */
public enum ResizeMode implements WireCode {
  /** Scale to fit inside width x height, keeping the aspect ratio (the default). */
  FIT(0),
  /** Scale to exactly width x height, as the original program did. */
  EXACT(1),
  /** Scale to cover width x height, keeping the aspect ratio, and crop the overflow evenly from both sides. */
  FILL(2);

  private final int code;

  ResizeMode(int code) {
    this.code = code;
  }

  @Override
  public int code() {
    return code;
  }
}
