package tcpbalancer.proxy;

import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import tcpbalancer.config.EnumNames;

/**
 * Whether the proxy starts each connection to an upstream with a PROXY protocol header, and which version:
 * {@code sendProxy} of an upstream entry, {@code --send-proxy}. HAProxy's {@code send-proxy} and
 * {@code send-proxy-v2}.
 */
public enum SendProxy {
  /** No header: the upstream sees the proxy's address as its client's. */
  OFF(null),
  /** The text header ({@code PROXY TCP4 ...\r\n}). */
  V1(HAProxyProtocolVersion.V1),
  /** The binary header. */
  V2(HAProxyProtocolVersion.V2);

  private final HAProxyProtocolVersion version;

  SendProxy(HAProxyProtocolVersion version) {
    this.version = version;
  }

  /** Netty's name for the version; null for {@link #OFF}. */
  HAProxyProtocolVersion version() {
    return version;
  }

  @Override
  public String toString() {
    return EnumNames.of(this);
  }
}
