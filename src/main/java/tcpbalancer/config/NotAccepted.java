package tcpbalancer.config;

import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import org.slf4j.Logger;

/**
 * What a server logs of a connection that failed before Vert.x handed it over: a failed TLS handshake (a
 * plain-text client, one that never finishes, one that refuses our certificate) or, with {@code acceptProxy}, a
 * missing or broken PROXY protocol header. Vert.x reports these through the server's exception handler with the
 * cause alone, so the line cannot name the peer.
 */
public final class NotAccepted {

  private NotAccepted() {
  }

  /** Logs {@code failure} for the server that {@code server} names ("Proxy p1", "Backend b1"). */
  public static void log(Logger log, String server, Throwable failure) {
    if (TlsFailures.isTls(failure)) {
      log.warn("{}: closed a client connection: {}", server, TlsFailures.describe(failure));
    } else if (failure instanceof HAProxyProtocolException) {
      log.warn("{}: refused a connection without a valid PROXY protocol header: {}", server, innermost(failure));
    } else { // such as a client that hung up during its handshake
      log.debug("{}: a client connection ended before it was accepted: {}", server, failure.toString());
    }
  }

  /** Netty's decoder wraps its reason, such as {@code unknown identifier: GET}, in more of its kind. */
  private static String innermost(Throwable failure) {
    Throwable reason = failure;
    while (reason.getCause() != null) {
      reason = reason.getCause();
    }
    return reason.getMessage();
  }
}
