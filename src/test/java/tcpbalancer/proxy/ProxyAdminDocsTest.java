package tcpbalancer.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/admin.md documents every route of the proxy's API, every state it sets and every metric of the proxy. */
class ProxyAdminDocsTest {

  private static String adminDoc() throws IOException {
    return Files.readString(Path.of("docs/admin.md"));
  }

  @Test
  void everyRouteHasItsSection() throws IOException {
    String doc = adminDoc();
    for (String route : UpstreamsApi.ROUTES) {
      String[] methodAndPath = route.split(" ");
      String heading = "\n### `" + methodAndPath[0] + " /api" + methodAndPath[1].replace("{address}", "ADDRESS")
        + "`\n";
      assertThat(doc).as(route).contains(heading);
    }
  }

  @Test
  void everyStateAndMetricIsInATable() throws IOException {
    String doc = adminDoc();
    for (AdminState state : AdminState.values()) {
      assertThat(doc).contains("| `" + state.configName() + "`");
    }
    for (String metric : ProxyMetrics.NAMES) {
      assertThat(doc).contains("| `" + metric + "` |");
    }
  }
}
