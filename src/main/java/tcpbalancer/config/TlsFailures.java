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
    return "TLS handshake failed: " + failure.getMessage();
  }
}
