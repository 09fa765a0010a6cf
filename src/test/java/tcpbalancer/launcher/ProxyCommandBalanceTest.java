package tcpbalancer.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import tcpbalancer.config.ConfigException;
import tcpbalancer.proxy.Balance;
import tcpbalancer.proxy.ProxyOptions;

/** {@code --balance} becomes the proxy's {@code balance} key; connections stay the default. */
class ProxyCommandBalanceTest {

  private static JsonObject proxyConfig(String... args) {
    ProxyCommand command = new ProxyCommand();
    new CommandLine(command).parseArgs(args);
    return command.deploymentConfig().getJsonObject("verticles").getJsonObject("proxy").getJsonObject("config");
  }

  @Test
  void connectionsAreBalancedUnlessAskedOtherwise() {
    assertThat(ProxyOptions.fromJson(proxyConfig("-p", "9090", "-u", "127.0.0.1:9091"), "config").balance())
      .isEqualTo(Balance.CONNECTIONS);
  }

  @Test
  void theFlagAsksForRequests() {
    assertThat(ProxyOptions.fromJson(proxyConfig("-p", "9090", "-u", "127.0.0.1:9091", "--balance", "requests"),
      "config").balance()).isEqualTo(Balance.REQUESTS);
  }

  @Test
  void anUnknownValueIsRefusedByName() {
    JsonObject config = proxyConfig("-p", "9090", "-u", "127.0.0.1:9091", "--balance", "sessions");
    assertThatThrownBy(() -> ProxyOptions.fromJson(config, "config")).isInstanceOf(ConfigException.class)
      .hasMessageContaining("config.balance").hasMessageContaining("sessions");
  }
}
