package tcpbalancer.testing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
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
 * a {@link DeploymentVerticle} from an inline {@link ConfigSource}. The defaults of every test server are here
 * and nowhere else: each listens on {@link #HOST}, port 0, under its name in the topology; each runs one
 * instance; a proxy checks its upstreams every 100 ms and marks one down at its first failure, so that a test
 * sees a backend die at once. The {@link Deployment} tells the port each server bound (from {@link Listening}).
 *
 * <pre>
 * Topology.Deployment deployed = new Topology().workers(1).backend("b1").backend("b2").proxy("lb", "b1", "b2")
 *   .deploy(vertx).await();
 * int proxyPort = deployed.port("lb");
 * deployed.undeploy("b2"); // b2 stops as it would in production (draining as configured); the rest runs on
 * </pre>
 *
 * Workers and backends deploy first, as one plan; then the proxies, as a second plan whose upstreams are the
 * addresses the named backends bound. A proxy may name a backend of a topology deployed before, in the same
 * Vert.x.
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

  /** Adds a backend called {@code name}; {@code config} adds to or replaces the defaults (host, port 0). */
  public Topology backend(String name, JsonObject config) {
    servers.put(name, entry(VerticleKind.BACKEND, INSTANCES, server(name, config)));
    return this;
  }

  /** Adds a proxy called {@code name} that balances over the named backends. */
  public Topology proxy(String name, String... backends) {
    return proxy(name, new JsonObject(), backends);
  }

  /**
   * A proxy with {@code config} added to or replacing the defaults (host, port 0, health checks, upstreams): an
   * {@code upstreams} list in {@code config} replaces the named backends, for upstreams that are not servers of
   * a topology (a relay in front of a backend).
   */
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
    List<String> planIds = new ArrayList<>();
    Announcements announcements = new Announcements(vertx, serverNames());
    return announcements.registered()
      .compose(v -> servers.isEmpty() ? Future.succeededFuture() : deployPlan(vertx, plan(), planIds))
      .compose(v -> proxies.isEmpty() ? Future.succeededFuture() : deployPlan(vertx, proxyPlan(vertx), planIds))
      .compose(v -> announcements.all())
      .map(serverIds -> new Deployment(vertx, List.copyOf(planIds), serverIds))
      .recover(e -> new Deployment(vertx, planIds, Map.of()).undeploy().transform(ignored -> Future.failedFuture(e)))
      .eventually(announcements::stop);
  }

  private List<String> serverNames() {
    List<String> names = new ArrayList<>(proxies.keySet());
    servers.forEach(entry -> {
      if (!entry.getKey().equals("workers")) {
        names.add(entry.getKey());
      }
    });
    return names;
  }

  private JsonObject proxyPlan(Vertx vertx) {
    JsonObject verticles = new JsonObject();
    proxies.forEach((name, config) -> {
      JsonArray upstreams = new JsonArray();
      for (String backend : proxyBackends.get(name)) {
        upstreams.add(upstream(address(vertx, backend)));
      }
      JsonObject proxy = new JsonObject().put("upstreams", upstreams)
        .put("failuresBeforeDown", 1).put("checkIntervalMillis", 100)
        .mergeIn(server(name, config));
      verticles.put(name, entry(VerticleKind.PROXY, INSTANCES, proxy));
    });
    return new JsonObject().put("verticles", verticles);
  }

  private static Future<Void> deployPlan(Vertx vertx, JsonObject plan, List<String> planIds) {
    return vertx.deployVerticle(new DeploymentVerticle(ConfigSource.inline(plan))).map(id -> {
      planIds.add(id);
      return null;
    });
  }

  /** The defaults of a server, then {@code config}; its name is its key, which the topology finds it by. */
  private static JsonObject server(String name, JsonObject config) {
    if (config.containsKey("name")) {
      throw new IllegalArgumentException(name + ": a server's name is its name in the topology; do not set one");
    }
    return new JsonObject().put("host", HOST).put("port", 0).put("name", name).mergeIn(config);
  }

  private static JsonObject entry(VerticleKind kind, int instances, JsonObject config) {
    return new JsonObject().put("verticle", kind.configName()).put("instances", instances).put("config", config);
  }

  private static HostAndPort address(Vertx vertx, String server) {
    return Listening.of(vertx, server)
      .orElseThrow(() -> new IllegalStateException(server + ": no such server listens in this Vert.x"));
  }

  private static String upstream(HostAndPort address) {
    return address.host() + ":" + address.port();
  }

  /**
   * The deployment id of each server of a topology, from its {@link Listening} announcement: a server announces
   * itself before its start completes, so once the plans are deployed every announcement is on its way.
   */
  private static final class Announcements {

    private final Map<String, Promise<String>> deploymentIds = new LinkedHashMap<>();
    private final MessageConsumer<JsonObject> consumer;

    Announcements(Vertx vertx, List<String> servers) {
      servers.forEach(name -> deploymentIds.put(name, Promise.promise()));
      consumer = vertx.eventBus().localConsumer(Listening.ADDRESS, message -> {
        Promise<String> announced = deploymentIds.get(message.body().getString("name"));
        if (announced != null) { // several instances announce the same deployment
          announced.tryComplete(message.body().getString("deploymentId"));
        }
      });
    }

    Future<Void> registered() {
      return consumer.completion();
    }

    /** Completes with the deployment id of every server, by name, once each has announced itself. */
    Future<Map<String, String>> all() {
      List<Future<String>> ids = deploymentIds.values().stream().map(Promise::future).toList();
      return Future.all(ids).map(done -> {
        Map<String, String> byName = new LinkedHashMap<>();
        deploymentIds.forEach((name, id) -> byName.put(name, id.future().result()));
        return Map.copyOf(byName);
      });
    }

    Future<Void> stop() {
      return consumer.unregister();
    }
  }

  /** A deployed topology: where its servers listen, and how to undeploy one of them or all of it. */
  public record Deployment(Vertx vertx, List<String> planIds, Map<String, String> serverIds) {

    /** The port the backend or proxy {@code server} listens on. */
    public int port(String server) {
      return address(server).port();
    }

    public HostAndPort address(String server) {
      return Topology.address(vertx, server);
    }

    /** The address of {@code server} as a proxy's {@code upstreams} entry lists it: {@code host:port}. */
    public String upstream(String server) {
      return Topology.upstream(address(server));
    }

    /** The deployment id of the backend or proxy {@code server} itself (not of the plan that deployed it). */
    public String deploymentId(String server) {
      String id = serverIds.get(server);
      if (id == null) {
        throw new IllegalArgumentException(server + ": no such server in this topology (" + serverIds.keySet() + ")");
      }
      return id;
    }

    /** Undeploys the one server {@code server}, as a stop would in production; the others run on. */
    public Future<Void> undeploy(String server) {
      return vertx.undeploy(deploymentId(server));
    }

    /** Undeploys every plan of the topology (and so every verticle in it). */
    public Future<Void> undeploy() {
      List<Future<Void>> undeployments = new ArrayList<>();
      for (String id : planIds) {
        undeployments.add(vertx.undeploy(id));
      }
      return Future.join(undeployments).mapEmpty();
    }
  }
}
