package tcpbalancer.config;

import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.PemTrustOptions;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * TLS on a client's connections (the client's to the proxy, the proxy's to its upstreams): the server's
 * certificate and its host name are verified, against {@code ca} or, without one, the JVM's trusted
 * authorities; {@code insecure} skips both checks. Read from an object:
 * {@code {"ca": "ca.pem", "insecure": false, "handshakeTimeoutMillis": 10000}}.
 *
 * @param ca                     PEM file of the authorities to trust; null: the JVM's
 * @param insecure               accept any certificate for any name (for tests; logged as a warning)
 * @param handshakeTimeoutMillis a server that has not finished its handshake by then fails the connect
 */
public record TlsClientOptions(String ca, boolean insecure, int handshakeTimeoutMillis) {

  public static final int DEFAULT_HANDSHAKE_TIMEOUT_MILLIS = 10_000;
  public static final Set<String> KEYS = Set.of("ca", "insecure", "handshakeTimeoutMillis");

  /** The value of a config's TLS client key; null when absent (no TLS). */
  public static TlsClientOptions fromJson(Object value, String path) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonObject json)) {
      throw new ConfigException(path + ": must be an object such as {\"ca\": \"ca.pem\"} ({} trusts the JVM's "
        + "authorities), got " + value);
    }
    ConfigFields fields = new ConfigFields(json, path);
    fields.rejectUnknownKeys(KEYS);
    String ca = fields.string("ca", null);
    boolean insecure = fields.bool("insecure", false);
    if (ca != null && insecure) {
      throw new ConfigException(fields.path("insecure") + ": cannot be true with a ca (which would not be used)");
    }
    return new TlsClientOptions(ca, insecure,
      fields.integer("handshakeTimeoutMillis", DEFAULT_HANDSHAKE_TIMEOUT_MILLIS, 1, 600_000));
  }

  /**
   * Turns TLS on for a client's options. The host name checked (and sent as SNI when it is a name) is the one
   * each connection is made to.
   */
  public NetClientOptions applyTo(NetClientOptions options) {
    options.setSsl(true).setSslHandshakeTimeout(handshakeTimeoutMillis)
      .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
    if (insecure) {
      return options.setTrustAll(true).setHostnameVerificationAlgorithm("");
    }
    if (ca != null) {
      options.setTrustOptions(new PemTrustOptions().addCertPath(ca));
    }
    return options.setHostnameVerificationAlgorithm("HTTPS");
  }

  /** For start-up logs: what is trusted. */
  public String describe() {
    return insecure ? "TLS without verification (insecure)"
      : "TLS verified against " + (ca == null ? "the JVM's trusted authorities" : ca);
  }
}
