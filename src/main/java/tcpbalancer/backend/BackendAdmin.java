package tcpbalancer.backend;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import tcpbalancer.admin.AdminServer;
import tcpbalancer.admin.Readiness;

/**
 * The admin endpoint of one backend deployment, whatever its number of instances: the first instance to start
 * starts it, each instance holds it while it runs, the last to stop closes it. (Its own registry rather than a
 * place in {@link BackendLimits}: those are the limits, forgotten as soon as the deployment begins to stop, while
 * the endpoint must outlive every instance's stop.) Ready when an instance listens and resize workers are
 * registered: on this node, or on another node of the cluster.
 */
final class BackendAdmin implements Shareable {

  private static final String MAP = "tcpbalancer.backend.admin";

  private final Future<AdminServer> server;
  private final AtomicInteger listeningInstances = new AtomicInteger();
  /** Instances holding it; guarded by the registry. */
  private int holds;

  private BackendAdmin(Vertx vertx, BackendOptions options) {
    HealthChecks readiness = HealthChecks.create(vertx)
      .register("listening", Readiness.check(() -> listeningInstances.get() > 0 ? null
        : "the backend does not listen on port " + options.port()))
      .register("workers", promise -> workers(vertx).onComplete(promise));
    server = AdminServer.start(vertx, options.admin(), options.name(), readiness, api -> { });
  }

  /** The endpoint of the deployment {@code deploymentId}, started by the first caller; release it once each. */
  static BackendAdmin acquire(Vertx vertx, String deploymentId, BackendOptions options) {
    return Registry.of(vertx).acquire(vertx, deploymentId, options);
  }

  /** Completes once the endpoint listens; fails when it cannot. */
  Future<AdminServer> started() {
    return server;
  }

  /** An instance opened its port ({@code true}), or is closing it ({@code false}). */
  void instanceListening(boolean listening) {
    if (listening) {
      listeningInstances.incrementAndGet();
    } else {
      listeningInstances.decrementAndGet();
    }
  }

  /** Gives back one {@link #acquire}; the last one closes the endpoint. */
  void release(Vertx vertx, String deploymentId) {
    if (Registry.of(vertx).release(deploymentId, this)) {
      server.onSuccess(AdminServer::close);
    }
  }

  private static Future<Status> workers(Vertx vertx) {
    if (LocalWorkers.of(vertx).anyRunning()) {
      return Future.succeededFuture(Readiness.status(null));
    }
    RemoteWorkers remote = RemoteWorkers.of(vertx);
    if (remote == null) {
      return Future.succeededFuture(Readiness.status("no resize worker is registered in this process"));
    }
    return remote.candidates(Set.of()).map(nodes -> Readiness.status(nodes.isEmpty()
      ? "no resize worker is registered, on this node or another node of the cluster" : null));
  }

  /** The endpoints of one Vert.x, by deployment id. */
  private static final class Registry implements Shareable {

    private final Map<String, BackendAdmin> admins = new HashMap<>();

    static Registry of(Vertx vertx) {
      return vertx.sharedData().<String, Registry>getLocalMap(MAP).computeIfAbsent("registry", key -> new Registry());
    }

    synchronized BackendAdmin acquire(Vertx vertx, String deploymentId, BackendOptions options) {
      BackendAdmin admin = admins.computeIfAbsent(deploymentId, id -> new BackendAdmin(vertx, options));
      admin.holds++;
      return admin;
    }

    /** True when this was the last hold. */
    synchronized boolean release(String deploymentId, BackendAdmin admin) {
      return --admin.holds == 0 && admins.remove(deploymentId, admin);
    }
  }
}
