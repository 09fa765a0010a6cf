package tcpbalancer.launcher;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Deployable;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.launcher.application.HookContext;
import io.vertx.launcher.application.VertxApplication;
import io.vertx.launcher.application.VertxApplicationHooks;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tcpbalancer.admin.Metrics;
import tcpbalancer.client.ClientVerticle;
import tcpbalancer.cluster.ClusterNode;
import tcpbalancer.cluster.ClusterSettings;
import tcpbalancer.cluster.HazelcastCluster;
import tcpbalancer.protocol.EventBusCodecs;

/**
 * The Vert.x side of a launch: the standard Vert.x launcher (its options, its stop on SIGTERM) with our hooks.
 * It deploys one {@link DeploymentVerticle} for the config source; the command line is {@link TcpBalancerCommand}'s.
 * Failures print one line: the launcher exits 15 when a verticle does not start, 11 when Vert.x itself does not.
 */
public class TcpBalancerApplication extends VertxApplication implements VertxApplicationHooks {

  private static final Logger log = LoggerFactory.getLogger(TcpBalancerApplication.class);
  /** An override (environment variable or system property) that gives a verticle an admin endpoint. */
  private static final Pattern ADMIN_OVERRIDE = Pattern.compile("verticles\\.[^.]+\\.config\\.admin(\\..+)?");

  private final ConfigSource source;
  private final ClusterSettings cluster;
  private HazelcastClusterManager clusterManager;
  private StartUpBarrier startUp;
  /** Where Vert.x records its metrics, when they are on. */
  private PrometheusMeterRegistry metricsRegistry;

  /**
   * @param launcherArgs the Vert.x launcher's options (without {@code -conf}: the source is read already)
   * @param cluster how this node joins the cluster, or null when it does not
   */
  TcpBalancerApplication(List<String> launcherArgs, ConfigSource source, ClusterSettings cluster) {
    super(launcherArgs.toArray(String[]::new));
    this.source = source;
    this.cluster = cluster;
  }

  /**
   * Native transport where available; metrics when a verticle has an admin endpoint to serve them; clustered:
   * Hazelcast, as {@link HazelcastCluster} builds it.
   */
  @Override
  public VertxBuilder createVertxBuilder(VertxOptions options) {
    // epoll where the platform has it (the jar carries Netty's native transport for Linux); NIO elsewhere.
    options.setPreferNativeTransport(true);
    VertxBuilder builder = Vertx.builder().with(options);
    // Not always: with metrics on, Vert.x updates its meters at every socket event, on the proxy's hot path too.
    // Only a process with an admin endpoint has a /metrics to show them on.
    if (hasAdminEndpoint(source.base(), System.getenv().keySet(), System.getProperties().stringPropertyNames())) {
      metricsRegistry = Metrics.enable(options, builder);
    }
    if (cluster != null) {
      clusterManager = HazelcastCluster.create(cluster, options.getEventBusOptions());
      builder.withClusterManager(clusterManager);
    }
    return builder;
  }

  /**
   * Whether a verticle of the config as written, or an override of it by an environment variable or system property
   * (by their names, {@code verticles.ID.config.admin...}), configures an admin endpoint.
   */
  public static boolean hasAdminEndpoint(JsonObject config, Set<String> environment, Set<String> properties) {
    JsonObject verticles = config.getValue("verticles") instanceof JsonObject v ? v : new JsonObject();
    for (Map.Entry<String, Object> entry : verticles) {
      if (entry.getValue() instanceof JsonObject verticle && verticle.getValue("config") instanceof JsonObject c
        && c.getValue("admin") != null) {
        return true;
      }
    }
    return environment.stream().anyMatch(name -> ADMIN_OVERRIDE.matcher(name).matches())
      || properties.stream().anyMatch(name -> ADMIN_OVERRIDE.matcher(name).matches());
  }

  @Override
  public Supplier<? extends Deployable> verticleSupplier() {
    return () -> new DeploymentVerticle(source);
  }

  /** Everything a verticle may need is in place before anything deploys (a client run can be short). */
  @Override
  public void afterVertxStarted(HookContext context) {
    Vertx vertx = context.vertx();
    log.debug("Network transport: {}", vertx.isNativeTransportEnabled() ? "native (epoll)" : "NIO");
    startUp = StartUpBarrier.install(vertx);
    if (metricsRegistry != null) {
      Metrics.attach(vertx, metricsRegistry);
    }
    if (vertx.isClustered()) {
      ClusterNode.register(vertx, clusterManager);
      log.info("Joined the cluster as {} (members: {})", clusterManager.getNodeId(), cluster.members());
    }
    vertx.eventBus().<JsonObject>localConsumer(ClientVerticle.DONE_ADDRESS, message -> {
      int exitCode = message.body().getInteger("exitCode", 1);
      vertx.close().onComplete(closed -> new Thread(() -> System.exit(exitCode), "exit").start());
    });
    EventBusCodecs.register(vertx); // once per Vert.x: resize requests and answers cross the event bus as records
  }

  @Override
  public void afterVerticleDeployed(HookContext context) {
    startUp.settled();
  }

  @Override
  public void afterFailureToStartVertx(HookContext context, Throwable t) {
    System.err.println("tcpbalancer: cannot start Vert.x: " + (t == null ? "timed out" : t.getMessage()));
    log.debug("Vert.x did not start", t);
  }

  @Override
  public void afterFailureToDeployVerticle(HookContext context, Throwable t) {
    startUp.settled();
    System.err.println("tcpbalancer: cannot start: " + (t == null ? "timed out" : t.getMessage()));
    log.debug("Deployment failed", t);
    context.vertx().close();
  }

  @Override
  public void beforeStoppingVertx(HookContext context) {
    log.info("Stopping");
  }
}
