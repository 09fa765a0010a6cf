package tcpbalancer.client;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import tcpbalancer.backend.BackendVerticle;
import tcpbalancer.backend.ResizeWorkerVerticle;
import tcpbalancer.proxy.ProxyVerticle;

/** The whole topology in one Vert.x, on loopback: resize workers, backends, a proxy over them, a client. */
final class ClientTestSupport {

  /** A backend started for a test, with what it takes to kill it. */
  record Backend(String deploymentId, int port) {
  }

  private ClientTestSupport() {
  }

  static Future<String> deployWorkers(Vertx vertx, int instances) {
    return vertx.deployVerticle(ResizeWorkerVerticle::new,
      new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER).setInstances(instances));
  }

  static Future<Backend> deployBackend(Vertx vertx, String name) {
    return deployBackend(vertx, name, new JsonObject());
  }

  static Future<Backend> deployBackend(Vertx vertx, String name, JsonObject config) {
    BackendVerticle backend = new BackendVerticle();
    return vertx.deployVerticle(backend, new DeploymentOptions().setConfig(
        new JsonObject().put("host", "127.0.0.1").put("port", 0).put("name", name).mergeIn(config)))
      .map(id -> new Backend(id, backend.actualPort()));
  }

  static Future<List<Backend>> deployBackends(Vertx vertx, String... names) {
    Future<List<Backend>> chain = Future.succeededFuture(new ArrayList<>());
    for (String name : names) {
      chain = chain.compose(list -> deployBackend(vertx, name).map(b -> {
        list.add(b);
        return list;
      }));
    }
    return chain;
  }

  static Future<ProxyVerticle> deployProxy(Vertx vertx, List<Backend> backends) {
    JsonArray upstreams = new JsonArray();
    backends.forEach(b -> upstreams.add("127.0.0.1:" + b.port()));
    ProxyVerticle proxy = new ProxyVerticle();
    return vertx.deployVerticle(proxy, new DeploymentOptions().setConfig(new JsonObject()
        .put("host", "127.0.0.1").put("port", 0).put("upstreams", upstreams)
        .put("failuresBeforeDown", 1).put("checkIntervalMillis", 100)))
      .map(id -> proxy);
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
    return new JsonObject().put("proxy", "127.0.0.1:" + proxyPort).put("input", input).put("output", output)
      .put("width", 200).put("height", 200);
  }
}
