package tcpbalancer.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import tcpbalancer.config.TlsServerOptions;
import tcpbalancer.proxy.ProxyOptions;

/** The TLS flags of the three programs become their {@code tls} and {@code upstreamTls} keys, or a clear refusal. */
class TlsFlagsTest {

  private static JsonObject config(ProgramCommand command, String verticle, String... args) {
    new CommandLine(command).parseArgs(args);
    return command.deploymentConfig().getJsonObject("verticles").getJsonObject(verticle).getJsonObject("config");
  }

  @Test
  void theProxyTerminatesWithEachPairAndOriginatesWithItsCa() {
    JsonObject proxy = config(new ProxyCommand(), "proxy", "-p", "9090", "-u", "127.0.0.1:9091",
      "--tls-cert", "a.pem", "--tls-key", "a.key", "--tls-cert", "b.pem", "--tls-key", "b.key",
      "--upstream-tls", "--upstream-ca", "ca.pem");
    ProxyOptions options = ProxyOptions.fromJson(proxy, "config");
    assertThat(options.tls().listen().certificates()).containsExactly(
      new TlsServerOptions.Certificate("a.pem", "a.key"), new TlsServerOptions.Certificate("b.pem", "b.key"));
    assertThat(options.tls().upstream().ca()).isEqualTo("ca.pem");
    assertThat(options.tls().upstream().insecure()).isFalse();

    ProxyOptions plain = ProxyOptions.fromJson(config(new ProxyCommand(), "proxy", "-p", "9090", "-u",
      "127.0.0.1:9091"), "config");
    assertThat(plain.tls().listen()).isNull();
    assertThat(plain.tls().upstream()).isNull();
  }

  @Test
  void badCombinationsAreRefusedNamingTheFlag() {
    assertThatThrownBy(() -> config(new ProxyCommand(), "proxy", "-p", "1", "-u", "h:2", "--tls-cert", "a.pem"))
      .isInstanceOf(ParameterException.class)
      .hasMessage("--tls-cert and --tls-key: give one key per certificate (got 1 certificate(s) and 0 key(s))");
    assertThatThrownBy(() -> config(new ProxyCommand(), "proxy", "-p", "1", "-u", "h:2", "--upstream-ca", "ca.pem"))
      .hasMessage("--upstream-ca: give --upstream-tls too");
    assertThatThrownBy(() -> config(new ProxyCommand(), "proxy", "-p", "1", "-u", "h:2", "--upstream-tls",
      "--upstream-ca", "ca.pem", "--upstream-insecure"))
      .hasMessageStartingWith("--upstream-ca and --upstream-insecure: give one or the other");
  }

  @Test
  void theBackendServesAndTheClientVerifies() {
    JsonObject backend = config(new BackendCommand(), "backend", "-p", "9091", "--tls-cert", "b.pem", "--tls-key",
      "b.key");
    assertThat(backend.getJsonObject("tls").getJsonArray("certificates").getJsonObject(0).getString("cert"))
      .isEqualTo("b.pem");
    JsonObject client = config(new ClientCommand(), "client", "--proxy", "127.0.0.1:9090", "--input", ".",
      "--output", "out", "-w", "1", "-h", "1", "--tls", "--ca", "ca.pem");
    assertThat(client.getJsonObject("tls")).isEqualTo(new JsonObject().put("ca", "ca.pem"));
    assertThatThrownBy(() -> config(new ClientCommand(), "client", "--proxy", "127.0.0.1:9090", "--input", ".",
      "--output", "out", "-w", "1", "-h", "1", "--ca", "ca.pem"))
      .hasMessage("--ca: give --tls too");
  }
}
