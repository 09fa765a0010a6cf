package tcpbalancer.client;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import tcpbalancer.testing.Topology;

/**
 * The client under test, run against a {@link Topology} or a fake server: deployed directly, because its report
 * ({@link ClientVerticle#finished()}) is what the tests read.
 */
final class ClientTestSupport {

  private ClientTestSupport() {
  }

  /** Deploys a client and completes with its report when its run is over. */
  static Future<RunReport> runClient(Vertx vertx, JsonObject config) {
    ClientVerticle client = new ClientVerticle();
    return vertx.deployVerticle(client, new DeploymentOptions().setConfig(config)).compose(id -> client.finished());
  }

  /** The names of the files in {@code folder}, sorted. */
  static List<String> files(Path folder) throws IOException {
    try (Stream<Path> list = Files.list(folder)) {
      return list.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  static JsonObject clientConfig(int proxyPort, String input, String output) {
    return new JsonObject().put("proxy", Topology.HOST + ":" + proxyPort).put("input", input).put("output", output)
      .put("width", 200).put("height", 200);
  }
}
