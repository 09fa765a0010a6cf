package tcpbalancer.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import tcpbalancer.config.ConfigException;
import tcpbalancer.proxy.ProxyOptions;
import tcpbalancer.proxy.SendProxy;

/** {@code --accept-proxy}, {@code --send-proxy} and {@code --fin-timeout} become the proxy's keys. */
class ProxyCommandProxyProtocolTest {

  private static JsonObject proxyConfig(String... args) {
    ProxyCommand command = new ProxyCommand();
    new CommandLine(command).parseArgs(args);
    return command.deploymentConfig().getJsonObject("verticles").getJsonObject("proxy").getJsonObject("config");
  }

  @Test
  void withoutTheFlagsNoHeaderIsReadNorSentAndTheFinTimeoutIsTheDefault() {
    ProxyOptions options = ProxyOptions.fromJson(proxyConfig("-p", "9090", "-u", "127.0.0.1:9091"), "config");
    assertThat(options.acceptProxy()).isFalse();
    assertThat(options.upstreams().get(0).sendProxy()).isEqualTo(SendProxy.OFF);
    assertThat(options.finTimeoutMillis()).isEqualTo(ProxyOptions.DEFAULT_FIN_TIMEOUT_MILLIS);
  }

  @Test
  void theFlagsSetAcceptProxyTheFinTimeoutAndTheHeaderOfEveryUpstream() {
    ProxyOptions options = ProxyOptions.fromJson(proxyConfig("-p", "9090", "-u", "127.0.0.1:9091", "-u",
      "127.0.0.1:9092", "--accept-proxy", "--send-proxy", "v2", "--fin-timeout", "1500"), "config");
    assertThat(options.acceptProxy()).isTrue();
    assertThat(options.finTimeoutMillis()).isEqualTo(1500);
    assertThat(options.upstreams()).extracting(upstream -> upstream.sendProxy())
      .containsExactly(SendProxy.V2, SendProxy.V2);
  }

  @Test
  void anUnknownVersionIsRefusedNamingTheUpstream() {
    assertThatThrownBy(() -> ProxyOptions.fromJson(proxyConfig("-p", "9090", "-u", "127.0.0.1:9091",
      "--send-proxy", "v3"), "config"))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("config.upstreams[0].sendProxy").hasMessageContaining("v3")
      .hasMessageContaining("off, v1, v2");
  }

  @Test
  void sendProxyWithoutUpstreamsIsRefused() {
    assertThatThrownBy(() -> proxyConfig("-p", "9090", "--cluster", "--send-proxy", "v1"))
      .isInstanceOf(CommandLine.ParameterException.class).hasMessageStartingWith("--send-proxy: applies to the -u");
  }
}
