package tcpbalancer.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code tls} and {@code upstreamTls} objects are read with their defaults, and bad ones name the key. */
class TlsOptionsTest {

  private static JsonObject pair(String cert, String key) {
    return new JsonObject().put("cert", cert).put("key", key);
  }

  @Test
  void aServerNeedsCertificatesAndTakesDefaults() {
    TlsServerOptions tls = TlsServerOptions.fromJson(new JsonObject().put("certificates",
      new JsonArray().add(pair("a.pem", "a.key")).add(pair("b.pem", "b.key"))), "config.tls");
    assertThat(tls.certificates()).containsExactly(new TlsServerOptions.Certificate("a.pem", "a.key"),
      new TlsServerOptions.Certificate("b.pem", "b.key"));
    assertThat(tls.handshakeTimeoutMillis()).isEqualTo(TlsServerOptions.DEFAULT_HANDSHAKE_TIMEOUT_MILLIS);
    assertThat(tls.reloadIntervalMillis()).isEqualTo(TlsServerOptions.DEFAULT_RELOAD_INTERVAL_MILLIS);
    assertThat(tls.files()).isEqualTo(List.of("a.pem", "a.key", "b.pem", "b.key"));
    assertThat(tls.sslOptions().isSni()).as("two certificates: SNI chooses").isTrue();
    assertThat(TlsServerOptions.fromJson(null, "config.tls")).isNull();
  }

  @Test
  void aBadServerObjectNamesTheKey() {
    assertThatThrownBy(() -> TlsServerOptions.fromJson(new JsonObject(), "config.tls"))
      .isInstanceOf(ConfigException.class).hasMessageStartingWith("config.tls.certificates: required");
    assertThatThrownBy(() -> TlsServerOptions.fromJson(new JsonObject().put("certificates",
      new JsonArray().add(new JsonObject().put("cert", "a.pem"))), "config.tls"))
      .hasMessage("config.tls.certificates[0].key: required (a PEM file)");
    assertThatThrownBy(() -> TlsServerOptions.fromJson(new JsonObject().put("certificates",
      new JsonArray().add(pair("a.pem", "a.key"))).put("handshakeTimeoutMillis", 0), "config.tls"))
      .hasMessage("config.tls.handshakeTimeoutMillis: must be between 1 and 600000, got 0");
    assertThatThrownBy(() -> TlsServerOptions.fromJson("cert.pem", "config.tls"))
      .hasMessageStartingWith("config.tls: must be an object");
    assertThatThrownBy(() -> TlsServerOptions.fromJson(new JsonObject().put("certs", new JsonArray()), "config.tls"))
      .hasMessageContaining("config.tls.certs: unknown key");
  }

  @Test
  void aClientVerifiesUnlessToldNotTo() {
    TlsClientOptions jvm = TlsClientOptions.fromJson(new JsonObject(), "config.tls");
    assertThat(jvm.ca()).isNull();
    assertThat(jvm.insecure()).isFalse();
    TlsClientOptions withCa = TlsClientOptions.fromJson(new JsonObject().put("ca", "ca.pem"), "config.tls");
    assertThat(withCa.applyTo(new NetClientOptions()).getHostnameVerificationAlgorithm())
      .isEqualTo("HTTPS");
    assertThat(TlsClientOptions.fromJson(new JsonObject().put("insecure", true), "c.upstreamTls")
      .applyTo(new NetClientOptions()).isTrustAll()).isTrue();
    assertThatThrownBy(() -> TlsClientOptions.fromJson(new JsonObject().put("ca", "ca.pem").put("insecure", true),
      "config.upstreamTls"))
      .hasMessage("config.upstreamTls.insecure: cannot be true with a ca (which would not be used)");
    assertThatThrownBy(() -> TlsClientOptions.fromJson(true, "config.tls"))
      .hasMessageStartingWith("config.tls: must be an object such as {\"ca\": \"ca.pem\"}");
  }
}
