package tcpbalancer.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tcpbalancer.client.ClientOptions;
import tcpbalancer.config.ConfigException;
import tcpbalancer.protocol.OutputFormat;
import tcpbalancer.protocol.ResizeMode;

/** {@code --mode fill}, {@code --format} and {@code --quality} become the client's {@code mode}, {@code format}, {@code quality}. */
class ClientCommandFormatTest {

  @TempDir
  Path input;

  private ClientOptions options(String... extra) {
    String[] base = {"--proxy", "127.0.0.1:9090", "--input", input.toString(), "--output", "out", "-w", "200",
      "-h", "100"};
    String[] args = new String[base.length + extra.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    ClientCommand command = new ClientCommand();
    new CommandLine(command).parseArgs(args);
    JsonObject config = command.deploymentConfig().getJsonObject("verticles").getJsonObject("client")
      .getJsonObject("config");
    return ClientOptions.fromJson(config, "verticles.client.config");
  }

  @Test
  void byDefaultResultsKeepTheSourcesFormatAtTheBackendsQuality() {
    ClientOptions options = options();
    assertThat(options.mode()).isEqualTo(ResizeMode.FIT);
    assertThat(options.format()).isEqualTo(OutputFormat.SAME);
    assertThat(options.quality()).isZero();
  }

  @Test
  void theFlagsAskForAModeFormatAndQuality() {
    ClientOptions options = options("--mode", "fill", "--format", "jpeg", "--quality", "70");
    assertThat(options.mode()).isEqualTo(ResizeMode.FILL);
    assertThat(options.format()).isEqualTo(OutputFormat.JPEG);
    assertThat(options.quality()).isEqualTo(70);
  }

  @Test
  void aBadFormatOrQualityIsRefusedByName() {
    assertThatThrownBy(() -> options("--format", "gif")).isInstanceOf(ConfigException.class)
      .hasMessageContaining("verticles.client.config.format").hasMessageContaining("gif");
    assertThatThrownBy(() -> options("--quality", "101")).isInstanceOf(ConfigException.class)
      .hasMessageContaining("verticles.client.config.quality").hasMessageContaining("101");
    assertThatThrownBy(() -> options("--quality", "0")).isInstanceOf(ConfigException.class)
      .hasMessageContaining("verticles.client.config.quality");
  }
}
