package tcpbalancer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tcpbalancer.admin.AdminOptions;
import tcpbalancer.admin.AdminServer;
import tcpbalancer.backend.BackendOptions;
import tcpbalancer.backend.ResizeWorkerOptions;
import tcpbalancer.client.ClientOptions;
import tcpbalancer.config.TlsClientOptions;
import tcpbalancer.config.TlsServerOptions;
import tcpbalancer.launcher.DeploymentPlan;
import tcpbalancer.launcher.VerticleKind;
import tcpbalancer.protocol.ResizeMode;
import tcpbalancer.protocol.ResizeRequest;
import tcpbalancer.protocol.Status;
import tcpbalancer.proxy.ProxyOptions;
import tcpbalancer.proxy.Upstream;

/** Keeps docs/ true to the code: every documented key is read, every read key is documented. */
class DocsTest {

  private static String read(String file) throws IOException {
    return Files.readString(Path.of("docs", file));
  }

  /** The backticked keys in the first column of the table under {@code heading}. */
  private static Set<String> tableKeys(String doc, String heading) {
    int start = doc.indexOf("\n" + heading + "\n");
    assertThat(start).as("heading %s", heading).isNotNegative();
    int end = doc.indexOf("\n#", start + heading.length() + 2);
    String section = doc.substring(start, end < 0 ? doc.length() : end);
    Set<String> keys = new LinkedHashSet<>();
    Matcher row = Pattern.compile("(?m)^\\| `([^`]+)` \\|").matcher(section);
    while (row.find()) {
      keys.add(row.group(1));
    }
    return keys;
  }

  @Test
  void configurationReferenceListsExactlyTheKeysTheCodeReads() throws IOException {
    String doc = read("configuration.md");
    assertThat(tableKeys(doc, "### Top level")).containsExactlyInAnyOrderElementsOf(DeploymentPlan.TOP_LEVEL_KEYS);
    assertThat(tableKeys(doc, "### A verticle entry")).containsExactlyInAnyOrderElementsOf(DeploymentPlan.ENTRY_KEYS);
    assertThat(tableKeys(doc, "### Verticle `backend`")).containsExactlyInAnyOrderElementsOf(BackendOptions.KEYS);
    assertThat(tableKeys(doc, "### Verticle `proxy`")).containsExactlyInAnyOrderElementsOf(ProxyOptions.KEYS);
    assertThat(tableKeys(doc, "### Admin endpoint")).containsExactlyInAnyOrderElementsOf(AdminOptions.KEYS);
    assertThat(tableKeys(doc, "### Upstream entry")).containsExactlyInAnyOrderElementsOf(Upstream.KEYS);
    assertThat(tableKeys(doc, "### Verticle `client`")).containsExactlyInAnyOrderElementsOf(ClientOptions.KEYS);
    assertThat(tableKeys(doc, "### Verticle `resize-worker`"))
      .containsExactlyInAnyOrderElementsOf(ResizeWorkerOptions.KEYS);
    assertThat(tableKeys(doc, "#### TLS server: `tls` of the proxy and of the backend"))
      .containsExactlyInAnyOrderElementsOf(TlsServerOptions.KEYS);
    assertThat(tableKeys(doc, "#### TLS client: `tls` of the client, `upstreamTls` of the proxy"))
      .containsExactlyInAnyOrderElementsOf(TlsClientOptions.KEYS);
    for (VerticleKind kind : VerticleKind.values()) {
      assertThat(doc).contains("### Verticle `" + kind.configName() + "`");
    }
  }

  /** Every endpoint the admin server serves has its section in docs/admin.md, and every flag is in the reference. */
  @Test
  void theAdminReferenceDocumentsEveryEndpointAndFlag() throws IOException {
    String admin = read("admin.md");
    for (String endpoint : AdminServer.ENDPOINTS) {
      assertThat(admin).contains("\n### `GET " + endpoint + "`\n");
    }
    String configuration = read("configuration.md");
    for (String program : List.of("backend", "proxy")) {
      assertThat(configuration).contains("| `--admin HOST:PORT` | `verticles." + program + ".config.admin.host`, `.port` |")
        .contains("| `--admin-token TOKEN` (with `--admin`) | `verticles." + program + ".config.admin.token` |");
    }
  }

  @Test
  void everyExampleConfigIsAValidPlan() throws IOException {
    try (var files = Files.list(Path.of("src/main/resources/conf"))) {
      List<Path> examples = files.filter(f -> f.toString().endsWith(".json")).toList();
      assertThat(examples).isNotEmpty();
      for (Path example : examples) {
        JsonObject written = new JsonObject(Files.readString(example));
        DeploymentPlan.checkTopLevelKeys(written);
        assertThat(DeploymentPlan.parse(written).entries())
          .as(example.toString()).isNotEmpty();
      }
    }
  }

  @Test
  void protocolStatusTableMatchesTheCodes() throws IOException {
    String doc = read("protocol.md");
    for (Status status : Status.values()) {
      assertThat(doc).contains("| " + status.code() + " | `" + status.name() + "` |");
    }
  }

  @Test
  void protocolExampleIsWhatTheCodecWrites() throws IOException {
    String doc = read("protocol.md");
    String example = doc.substring(doc.indexOf("## Example"));
    example = example.substring(example.indexOf("```") + 3, example.lastIndexOf("```"));
    Buffer documented = Buffer.buffer();
    for (String line : example.strip().split("\n")) {
      String hex = line.split(" {3,}")[0];
      for (String octet : hex.trim().split("\\s+")) {
        documented.appendUnsignedByte((short) Integer.parseInt(octet, 16));
      }
    }
    Buffer encoded = new ResizeRequest("a.jpg", "jpeg", 200, 200, ResizeMode.FIT, true, Buffer.buffer())
      .toFrame(1).encode();
    assertThat(documented.getBytes()).isEqualTo(encoded.getBytes());
  }
}
