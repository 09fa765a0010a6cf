package tcpbalancer.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * TLS termination of a server (the proxy's port, a backend's): its certificates, in PEM, the first one the
 * default, the others chosen by the name a client asks for (SNI). Read from a config's {@code tls} object:
 * {@code {"certificates": [{"cert": "chain.pem", "key": "key.pem"}], "handshakeTimeoutMillis": 10000,
 * "reloadIntervalMillis": 5000}}.
 *
 * @param certificates          at least one; a cert file may hold the chain (leaf first)
 * @param handshakeTimeoutMillis a client that has not finished its handshake by then is dropped
 * @param reloadIntervalMillis  how often the files are checked for a change; 0: never reloaded
 */
public record TlsServerOptions(List<Certificate> certificates, int handshakeTimeoutMillis, int reloadIntervalMillis) {

  public static final int DEFAULT_HANDSHAKE_TIMEOUT_MILLIS = 10_000;
  public static final int DEFAULT_RELOAD_INTERVAL_MILLIS = 5_000;
  public static final Set<String> KEYS = Set.of("certificates", "handshakeTimeoutMillis", "reloadIntervalMillis");

  /** One certificate (with its chain) and its private key, both PEM files. */
  public record Certificate(String cert, String key) {

    static final Set<String> KEYS = Set.of("cert", "key");

    @Override
    public String toString() {
      return cert;
    }
  }

  /** The config's {@code tls} value; null when absent (no TLS). */
  public static TlsServerOptions fromJson(Object value, String path) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonObject json)) {
      throw new ConfigException(path + ": must be an object such as {\"certificates\": [{\"cert\": \"cert.pem\", "
        + "\"key\": \"key.pem\"}]}, got " + value);
    }
    ConfigFields fields = new ConfigFields(json, path);
    fields.rejectUnknownKeys(KEYS);
    return new TlsServerOptions(certificates(json.getValue("certificates"), fields.path("certificates")),
      fields.integer("handshakeTimeoutMillis", DEFAULT_HANDSHAKE_TIMEOUT_MILLIS, 1, 600_000),
      fields.integer("reloadIntervalMillis", DEFAULT_RELOAD_INTERVAL_MILLIS, 0, 86_400_000));
  }

  private static List<Certificate> certificates(Object value, String path) {
    if (!(value instanceof JsonArray array) || array.isEmpty()) {
      throw new ConfigException(path + ": required, a non-empty list of {\"cert\": FILE, \"key\": FILE}, got "
        + value);
    }
    List<Certificate> certificates = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      String at = path + "[" + i + "]";
      if (!(array.getValue(i) instanceof JsonObject entry)) {
        throw new ConfigException(at + ": must be an object {\"cert\": FILE, \"key\": FILE}, got " + array.getValue(i));
      }
      ConfigFields fields = new ConfigFields(entry, at);
      fields.rejectUnknownKeys(Certificate.KEYS);
      String cert = fields.string("cert", null);
      String key = fields.string("key", null);
      if (cert == null || key == null) {
        throw new ConfigException(fields.path(cert == null ? "cert" : "key") + ": required (a PEM file)");
      }
      certificates.add(new Certificate(cert, key));
    }
    return List.copyOf(certificates);
  }

  /** The files whose changes make the certificates reload. */
  public List<String> files() {
    List<String> files = new ArrayList<>();
    certificates.forEach(c -> {
      files.add(c.cert());
      files.add(c.key());
    });
    return files;
  }

  /** What Vert.x loads: all the pairs in one key/cert option, among which SNI picks by the certificates' names. */
  public PemKeyCertOptions keyCertOptions() {
    PemKeyCertOptions pem = new PemKeyCertOptions();
    certificates.forEach(c -> pem.addCertPath(c.cert()).addKeyPath(c.key()));
    return pem;
  }

  /**
   * SNI only with a choice to make: Vert.x resolves the certificate for an SNI name on a worker thread, a hop that
   * a single certificate's handshakes (on the event loop) need not take.
   */
  private boolean sni() {
    return certificates.size() > 1;
  }

  /** What a reload hands to {@code NetServer.updateSSLOptions}: the same as {@link #applyTo} sets. */
  public ServerSSLOptions sslOptions() {
    return new ServerSSLOptions().setKeyCertOptions(keyCertOptions()).setSni(sni())
      .setSslHandshakeTimeout(handshakeTimeoutMillis).setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
  }

  /** Turns TLS on for a server's options. */
  public NetServerOptions applyTo(NetServerOptions options) {
    options.setSsl(true).setKeyCertOptions(keyCertOptions());
    return options.setSni(sni()).setSslHandshakeTimeout(handshakeTimeoutMillis)
      .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
  }
}
