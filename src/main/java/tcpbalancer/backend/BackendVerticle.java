package tcpbalancer.backend;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tcpbalancer.cluster.BackendDirectory;
import tcpbalancer.cluster.ClusterNode;
import tcpbalancer.config.Listening;
import tcpbalancer.protocol.EventBusCodecs;

/**
 * Accepts resize requests over TCP and hands each one to a {@link ResizeWorkerVerticle} over the event bus.
 * Runs on an event loop: it only decodes requests and encodes answers; no image work happens here.
 *
 * <p>Clustered, it announces its address in the {@link BackendDirectory} so proxies find it. On stop it leaves
 * gracefully: it withdraws the announcement, stops accepting, lets each connection finish the requests it has
 * (up to {@code drainTimeoutMillis}) and closes it.
 */
public class BackendVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(BackendVerticle.class);

  private BackendOptions options;
  private NetServer server;
  private BackendDirectory.Entry announced;

  /**
   * Registers the event bus codecs too: the launcher registers them before any verticle starts, but a backend
   * deployed on its own (embedded, in a test) must be able to send its requests all the same.
   */
  @Override
  public Future<?> start() {
    EventBusCodecs.register(vertx);
    options = BackendOptions.fromJson(config(), "config");
    BackendLimits limits = BackendLimits.of(vertx, deploymentID(), options);
    WorkerRouter router = new WorkerRouter(options.workerPolicy(), LocalWorkers.of(vertx), vertx.isClustered());
    server = vertx.createNetServer(new NetServerOptions().setTcpNoDelay(true));
    server.connectHandler(socket -> new BackendConnection(socket, options, limits, router, vertx).start());
    return server.listen(options.port(), options.host())
      .recover(e -> Future.failedFuture(new IllegalStateException(
        "cannot listen on " + options.host() + ":" + options.port() + ": " + e.getMessage(), e)))
      .onSuccess(s -> log.info("Backend {} listening on {}:{} (request bytes held at most: {})", options.name(),
        options.host(), s.actualPort(), limits.bodies().max()))
      .onSuccess(s -> Listening.announce(vertx, options.name(), options.host(), s.actualPort()))
      .compose(s -> announce());
  }

  /** The port the server listens on (useful when the configured port is 0). */
  public int actualPort() {
    return server.actualPort();
  }

  private Future<Void> announce() {
    ClusterNode node = ClusterNode.of(vertx);
    if (node == null) {
      return Future.succeededFuture();
    }
    String host = !options.advertisedHost().isEmpty() ? options.advertisedHost()
      : isWildcard(options.host()) ? node.host() : options.host();
    announced = new BackendDirectory.Entry(options.name(), host, actualPort(), node.nodeId());
    return BackendDirectory.announce(vertx, announced)
      .onSuccess(v -> log.info("Backend {} announced to the cluster at {}:{}", options.name(), host, actualPort()));
  }

  private static boolean isWildcard(String host) {
    return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
  }

  @Override
  public Future<?> stop() {
    BackendLimits.forget(vertx, deploymentID());
    Future<Void> withdrawn = announced == null ? Future.succeededFuture()
      : BackendDirectory.withdraw(vertx, announced).recover(e -> Future.succeededFuture());
    return withdrawn.compose(v -> server.shutdown(options.drainTimeoutMillis(), TimeUnit.MILLISECONDS));
  }
}
