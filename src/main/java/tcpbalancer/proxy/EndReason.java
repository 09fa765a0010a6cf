package tcpbalancer.proxy;

import tcpbalancer.config.EnumNames;

/** How a client connection ended, as its access-log line says ({@code end=client-closed}). */
public enum EndReason {
  /** The client closed first (or hung up before it had an upstream). */
  CLIENT_CLOSED,
  /** The upstream closed first. */
  UPSTREAM_CLOSED,
  /** No upstream was up, or every one tried failed to connect. */
  CONNECT_FAILED,
  /** Nothing moved either way for {@code idleTimeoutSeconds}. */
  IDLE_TIMEOUT,
  /** The connection limit refused it: the queue was full, or it waited {@code queueTimeoutMillis}. */
  REFUSED,
  /** The proxy was stopping: the connection was open when the drain began and its upstream did not close first. */
  DRAINED,
  /** The health checks took its upstream down and the proxy closed it ({@code closeWhenDown}). */
  UPSTREAM_DOWN,
  /** Like {@link #CONNECT_FAILED}, the last upstream tried failing the TLS handshake (certificate, name, timeout). */
  TLS_HANDSHAKE_FAILED,
  /** One side shut down its writing half, then nothing moved for {@code finTimeoutMillis}. */
  FIN_TIMEOUT,
  /** Its upstream's cluster node left the cluster (died, or was cut off): the proxy removed it and closed this. */
  UPSTREAM_LEFT,
  /** With {@code balance: requests}: the client sent a frame the proxy cannot read, and got an error frame. */
  BAD_FRAME,
  /** With {@code balance: requests}: the client stopped sending in the middle of a request's body, which held a
   * backend connection shared with other clients. */
  BODY_TIMEOUT;

  @Override
  public String toString() {
    return EnumNames.of(this);
  }
}
