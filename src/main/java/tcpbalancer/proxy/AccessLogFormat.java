package tcpbalancer.proxy;

import tcpbalancer.config.EnumNames;

/** How the proxy's access log writes a line ({@code accessLogFormat}): for people or for machines. */
public enum AccessLogFormat {
  /** {@code key=value} fields in a fixed order, like HAProxy's tcplog. */
  TEXT,
  /** One JSON object per line, with the same fields. */
  JSON;

  @Override
  public String toString() {
    return EnumNames.of(this);
  }
}
