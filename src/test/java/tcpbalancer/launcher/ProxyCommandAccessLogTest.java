package tcpbalancer.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import tcpbalancer.proxy.AccessLogFormat;
import tcpbalancer.proxy.ProxyOptions;

/** {@code --access-log} and {@code --access-log-format} become the proxy's {@code accessLog} keys. */
class ProxyCommandAccessLogTest {

  private static JsonObject proxyConfig(String... args) {
    ProxyCommand command = new ProxyCommand();
    new CommandLine(command).parseArgs(args);
    return command.deploymentConfig().getJsonObject("verticles").getJsonObject("proxy").getJsonObject("config");
  }

  @Test
  void theAccessLogIsOffUnlessAsked() {
    ProxyOptions options = ProxyOptions.fromJson(proxyConfig("-p", "9090", "-u", "127.0.0.1:9091"), "config");
    assertThat(options.accessLog()).isFalse();
    assertThat(options.accessLogFormat()).isEqualTo(AccessLogFormat.TEXT);
  }

  @Test
  void theFlagsTurnItOnInTheFormatAsked() {
    ProxyOptions options = ProxyOptions.fromJson(proxyConfig("-p", "9090", "-u", "127.0.0.1:9091", "--access-log",
      "--access-log-format", "json"), "config");
    assertThat(options.accessLog()).isTrue();
    assertThat(options.accessLogFormat()).isEqualTo(AccessLogFormat.JSON);
  }
}
