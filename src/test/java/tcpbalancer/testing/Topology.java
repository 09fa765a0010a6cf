package tcpbalancer.testing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.HostAndPort;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tcpbalancer.config.Listening;
import tcpbalancer.launcher.ConfigSource;
import tcpbalancer.launcher.DeploymentVerticle;
import tcpbalancer.launcher.VerticleKind;

/**
 * Resize workers, backends and proxies deployed the way the launcher deploys them: a deployment config, read by
 * a {@link DeploymentVerticle} from an inline {@link ConfigSource}. Every server listens on {@link #HOST}, port 0;
 * the {@link Deployment} tells the port each one bound (from {@link Listening}).
 *
 * <pre>
 * Topology.Deployment deployed = new Topology().workers(1).backend("b1").backend("b2").proxy("lb", "b1", "b2")
 *   .deploy(vertx).await();
 * int proxyPort = deployed.port("lb");
 * </pre>
 *
 * Workers and backends deploy first, as one plan; then the proxies, as a second plan whose upstreams are the
 * addresses the named backends bound.
 */
public final class Topology {

  public static final String HOST = "127.0.0.1";
  /** One instance of each verticle unless a test asks for more: tests count on few threads. */
  private static final int INSTANCES = 1;

  private final JsonObject servers = new JsonObject();
  private final Map<String, JsonObject> proxies = new LinkedHashMap<>();
  private final Map<String, List<String>> proxyBackends = new LinkedHashMap<>();

  /** Adds resize workers (entry {@code workers}); backends need some, here or on another node. */
  public Topology workers(int instances) {
    servers.put("workers", entry(VerticleKind.RESIZE_WORKER, instances, new JsonObject()));
    return this;
  }

  public Topology backend(String name) {
    return backend(name, new JsonObject());
  }

  /** Adds a backend called {@code name}; {@code config} adds to or replaces the defaults (host, port 0, name). */
  public Topology backend(String name, JsonObject config) {
    servers.put(name, entry(VerticleKind.BACKEND, INSTANCES, server(name).mergeIn(config)));
    return this;
  }

  /** Adds a proxy called {@code name} that balances over the named backends of this topology. */
  public Topology proxy(String name, String... backends) {
    return proxy(name, new JsonObject(), backends);
  }

  /** A proxy with {@code config} added to or replacing the defaults (host, port 0, name, upstreams). */
  public Topology proxy(String name, JsonObject config, String... backends) {
    proxies.put(name, config);
    proxyBackends.put(name, List.of(backends));
    return this;
  }

  /** The deployment config of the workers and backends (the proxies' follows once their ports are known). */
  public JsonObject plan() {
    return new JsonObject().put("verticles", servers.copy());
  }

  /** Deploys everything; fails as the launcher would, with nothing left deployed, if any verticle does not start. */
  public Future<Deployment> deploy(Vertx vertx) {
    List<String> deploymentIds = new ArrayList<>();
    Future<Void> first = servers.isEmpty() ? Future.succeededFuture() : deployPlan(vertx, plan(), deploymentIds);
    return first
      .compose(v -> proxies.isEmpty() ? Future.succeededFuture() : deployPlan(vertx, proxyPlan(vertx), deploymentIds))
      .map(v -> new Deployment(vertx, List.copyOf(deploymentIds)))
      .recover(e -> new Deployment(vertx, deploymentIds).undeploy().transform(ignored -> Future.failedFuture(e)));
  }

  private JsonObject proxyPlan(Vertx vertx) {
    JsonObject verticles = new JsonObject();
    proxies.forEach((name, config) -> {
      JsonArray upstreams = new JsonArray();
      for (String backend : proxyBackends.get(name)) {
        HostAndPort bound = address(vertx, backend);
        upstreams.add(bound.host() + ":" + bound.port());
      }
      JsonObject proxy = server(name).put("upstreams", upstreams).mergeIn(config);
      verticles.put(name, entry(VerticleKind.PROXY, INSTANCES, proxy));
    });
    return new JsonObject().put("verticles", verticles);
  }

  private static Future<Void> deployPlan(Vertx vertx, JsonObject plan, List<String> deploymentIds) {
    return vertx.deployVerticle(new DeploymentVerticle(ConfigSource.inline(plan))).map(id -> {
      deploymentIds.add(id);
      return null;
    });
  }

  private static JsonObject server(String name) {
    return new JsonObject().put("host", HOST).put("port", 0).put("name", name);
  }

  private static JsonObject entry(VerticleKind kind, int instances, JsonObject config) {
    return new JsonObject().put("verticle", kind.configName()).put("instances", instances).put("config", config);
  }

  private static HostAndPort address(Vertx vertx, String server) {
    return Listening.of(vertx, server)
      .orElseThrow(() -> new IllegalStateException(server + ": no such server listens in this topology"));
  }

  /** A deployed topology: the ports its servers bound, and how to undeploy it. */
  public record Deployment(Vertx vertx, List<String> deploymentIds) {

    /** The port the backend or proxy {@code server} listens on. */
    public int port(String server) {
      return address(server).port();
    }

    public HostAndPort address(String server) {
      return Topology.address(vertx, server);
    }

    /** Undeploys every plan of the topology (and so every verticle in it). */
    public Future<Void> undeploy() {
      List<Future<Void>> undeployments = new ArrayList<>();
      for (String id : deploymentIds) {
        undeployments.add(vertx.undeploy(id));
      }
      return Future.join(undeployments).mapEmpty();
    }
  }
}
