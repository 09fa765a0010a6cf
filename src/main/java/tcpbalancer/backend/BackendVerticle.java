package tcpbalancer.backend;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tcpbalancer.cluster.BackendDirectory;
import tcpbalancer.cluster.ClusterNode;
import tcpbalancer.config.CertificateCheck;
import tcpbalancer.config.CertificateReloader;
import tcpbalancer.config.Listening;
import tcpbalancer.config.NotAccepted;
import tcpbalancer.protocol.EventBusCodecs;

/**
 * Accepts resize requests over TCP and hands each one to a {@link ResizeWorkerVerticle} over the event bus.
 * Runs on an event loop: it only decodes requests and encodes answers; no image work happens here.
 *
 * <p>Clustered, it announces its address in the {@link BackendDirectory} so proxies find it, and again whenever
 * the announcement may have been lost: after its node merged back into the cluster (it was cut off, so the
 * others dropped it), or when a change of membership finds the entry gone. On stop it leaves
 * gracefully: it withdraws the announcement, stops accepting, lets each connection finish the requests it has
 * (up to {@code drainTimeoutMillis}) and closes it.
 *
 * <p>With an {@code admin} config, the deployment also runs an admin endpoint ({@link BackendAdmin}).
 */
public class BackendVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(BackendVerticle.class);

  private BackendOptions options;
  private NetServer server;
  private BackendDirectory.Entry announced;
  private ClusterNode node;
  private UUID mergeListener;
  private UUID membershipListener;
  private boolean stopping;
  /** The deployment's admin endpoint, when configured; held from start to stop. */
  private BackendAdmin admin;
  private boolean portOpen;
  /** Whether the certificate reloader holds this instance's server. */
  private boolean watching;

  /**
   * Registers the event bus codecs too: the launcher registers them before any verticle starts, but a backend
   * deployed on its own (embedded, in a test) must be able to send its requests all the same.
   */
  @Override
  public Future<?> start() {
    EventBusCodecs.register(vertx);
    options = BackendOptions.fromJson(config(), "config");
    BackendLimits limits = BackendLimits.of(vertx, deploymentID(), options);
    WorkerDispatch workers = new WorkerDispatch(vertx, options);
    NetServerOptions serverOptions = new NetServerOptions().setTcpNoDelay(true)
      .setUseProxyProtocol(options.acceptProxy())
      .setProxyProtocolTimeout(BackendOptions.PROXY_HEADER_TIMEOUT_MILLIS)
      .setProxyProtocolTimeoutUnit(TimeUnit.MILLISECONDS);
    server = vertx.createNetServer(options.tls() == null ? serverOptions : options.tls().applyTo(serverOptions));
    server.connectHandler(socket -> new BackendConnection(socket, options, limits, workers, vertx).start());
    server.exceptionHandler(this::notAccepted);
    Future<?> adminStarted = Future.succeededFuture();
    if (options.admin() != null) {
      admin = BackendAdmin.acquire(vertx, deploymentID(), options);
      adminStarted = admin.started();
    }
    return adminStarted
      .compose(v -> checkCertificates())
      .compose(v -> server.listen(options.port(), options.host())
        .recover(e -> Future.failedFuture(new IllegalStateException(
          "cannot listen on " + options.host() + ":" + options.port() + ": " + e.getMessage(), e))))
      .onSuccess(s -> log.info("Backend {} listening on {}:{} (request bytes held at most: {})", options.name(),
        options.host(), s.actualPort(), limits.bodies().max()))
      .onSuccess(s -> portOpened()) // before the announcement, which tells tests the backend is up
      .onSuccess(s -> watchCertificates())
      .onSuccess(s -> Listening.announce(vertx, options.name(), options.host(), s.actualPort()))
      .compose(s -> announce())
      .onFailure(e -> releaseAdmin()); // Vert.x does not stop a verticle whose start failed
  }

  /** A connection that failed before Vert.x handed it over: a TLS handshake, a PROXY protocol header. */
  private void notAccepted(Throwable failure) {
    NotAccepted.log(log, "Backend " + options.name(), failure);
  }

  /** A bad certificate fails the start saying what is wrong with it; read on a worker (files). */
  private Future<Void> checkCertificates() {
    return options.tls() == null ? Future.succeededFuture()
      : vertx.executeBlocking(() -> CertificateCheck.verify(vertx, options.tls())).mapEmpty();
  }

  private void watchCertificates() {
    if (options.tls() != null) {
      CertificateReloader.watch(vertx, "Backend " + options.name(), options.tls(), server);
      watching = true;
    }
  }

  private void portOpened() {
    if (admin != null) {
      admin.instanceListening(true);
      portOpen = true;
    }
  }

  private void releaseAdmin() {
    if (admin != null) {
      if (portOpen) {
        admin.instanceListening(false);
        portOpen = false;
      }
      admin.release(vertx, deploymentID());
      admin = null;
    }
  }

  /** The port the server listens on (useful when the configured port is 0). */
  public int actualPort() {
    return server.actualPort();
  }

  private Future<Void> announce() {
    node = ClusterNode.of(vertx);
    if (node == null) {
      return Future.succeededFuture();
    }
    String host = !options.advertisedHost().isEmpty() ? options.advertisedHost()
      : isWildcard(options.host()) ? node.host() : options.host();
    announced = new BackendDirectory.Entry(options.name(), host, actualPort(), node.nodeId(), options.acceptProxy());
    return BackendDirectory.announce(vertx, announced)
      .onSuccess(v -> log.info("Backend {} announced to the cluster at {}:{}", options.name(), host, actualPort()))
      .onSuccess(v -> {
        // Hazelcast calls these on its own threads, where nothing may block: the work runs on this context.
        Context context = vertx.getOrCreateContext();
        mergeListener = node.onMerged(() -> context.runOnContext(x -> announceAgain("a merge")));
        membershipListener = node.onMembershipChange(() -> context.runOnContext(x -> announceIfLost()));
      });
  }

  private void announceIfLost() {
    if (!stopping) {
      BackendDirectory.contains(vertx, announced).onSuccess(present -> {
        if (!present) {
          announceAgain("its entry was lost");
        }
      });
    }
  }

  /** Puts the entry back; while the cluster is still settling, tries again a second later. */
  private void announceAgain(String reason) {
    if (stopping) {
      return;
    }
    BackendDirectory.announce(vertx, announced)
      .onSuccess(v -> log.info("Backend {} announced again to the cluster after {} at {}:{}", options.name(),
        reason, announced.host(), announced.port()))
      .onFailure(e -> {
        log.warn("Backend {} could not announce itself again after {}: {}", options.name(), reason, e.toString());
        vertx.setTimer(1_000, t -> announceAgain(reason));
      });
  }

  private static boolean isWildcard(String host) {
    return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    if (mergeListener != null) {
      try {
        node.removeMergeListener(mergeListener);
        node.removeListener(membershipListener);
      } catch (RuntimeException e) {
        log.debug("Cluster listeners of backend {} not removed: {}", options.name(), e.toString()); // cluster gone
      }
    }
    BackendLimits.forget(vertx, deploymentID());
    if (watching) {
      CertificateReloader.release(vertx, "Backend " + options.name(), server);
    }
    releaseAdmin(); // not ready from now on: the port is closing
    // A node cut off from the cluster (its Hazelcast gone) still drains: compose turns the throw into a failure.
    Future<Void> withdrawn = announced == null ? Future.succeededFuture() : Future.<Void>succeededFuture()
      .compose(v -> BackendDirectory.withdraw(vertx, announced)).recover(e -> Future.succeededFuture());
    return withdrawn.compose(v -> server.shutdown(options.drainTimeoutMillis(), TimeUnit.MILLISECONDS));
  }
}
