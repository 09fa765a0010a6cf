package tcpbalancer.config;

import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import javax.net.ssl.SSLException;

/** What a failed TLS handshake log line says: the kind of failure first, then the library's words. */
public final class TlsFailures {

  private TlsFailures() {
  }

  /** True for the failures of a handshake, which a TLS server reports through its exception handler. */
  public static boolean isTls(Throwable failure) {
    return failure instanceof SSLException || failure.getCause() instanceof SSLException;
  }

  public static String describe(Throwable failure) {
    if (!(failure instanceof SSLException) && failure.getCause() instanceof SSLException ssl) {
      failure = ssl; // Netty's decoder wraps what the TLS handler threw
    }
    if (failure instanceof NotSslRecordException) {
      return "TLS handshake failed: the client sent plain text, not TLS";
    }
    if (failure instanceof SslHandshakeTimeoutException) {
      return "TLS handshake timed out: " + failure.getMessage();
    }
    // Vert.x's client wraps the handshake's own failure in a "Failed to create SSL connection"
    Throwable reason = failure.getCause() instanceof SSLException inner ? inner : failure;
    if (reason instanceof SslHandshakeTimeoutException) {
      return "TLS handshake timed out: " + reason.getMessage();
    }
    Throwable root = reason;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String why = reason.getMessage();
    if (root != reason && root.getMessage() != null && !why.contains(root.getMessage())) {
      why += " (" + root.getMessage() + ")";
    }
    return "TLS handshake failed: " + why;
  }
}
