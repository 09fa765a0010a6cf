package tcpbalancer.protocol;

/** The format a request asks its result in. */
public enum OutputFormat implements WireCode {
  /** The source's own: a JPEG stays a JPEG; a PNG, and every other input (WebP, BMP, TIFF, GIF), becomes a PNG. */
  SAME(0),
  JPEG(1),
  PNG(2);

  private final int code;

  OutputFormat(int code) {
    this.code = code;
  }

  @Override
  public int code() {
    return code;
  }
}
