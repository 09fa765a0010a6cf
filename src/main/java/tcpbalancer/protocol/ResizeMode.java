package tcpbalancer.protocol;

import java.util.Locale;

/** How the result's size relates to the requested width and height. */
public enum ResizeMode {
  /** Scale to fit inside width x height, keeping the aspect ratio (the default). */
  FIT(0),
  /** Scale to exactly width x height, as the original program did. */
  EXACT(1);

  private final int code;

  ResizeMode(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  public static ResizeMode fromCode(int code) {
    for (ResizeMode mode : values()) {
      if (mode.code == code) {
        return mode;
      }
    }
    throw new ProtocolException(Status.BAD_REQUEST, "unknown resize mode " + code);
  }

  /** Parses {@code fit} or {@code exact}, as written in configs and flags. */
  public static ResizeMode fromName(String name) {
    try {
      return valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown resize mode '" + name + "' (expected fit or exact)");
    }
  }
}
