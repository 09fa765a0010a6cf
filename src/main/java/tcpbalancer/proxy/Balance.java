package tcpbalancer.proxy;

import tcpbalancer.config.EnumNames;

/** What the proxy balances ({@code balance}): whole connections, or each request of the tcpbalancer protocol. */
public enum Balance {
  /** A layer-4 relay: each client connection goes to one upstream; the bytes are never looked at. */
  CONNECTIONS,
  /**
   * Each request frame goes to a backend of its own, over the proxy's pooled connections to the backends
   * ({@link tcpbalancer.proxy.requests.RequestBalancing}); only for upstreams that speak the tcpbalancer protocol.
   */
  REQUESTS;

  @Override
  public String toString() {
    return EnumNames.of(this);
  }
}
