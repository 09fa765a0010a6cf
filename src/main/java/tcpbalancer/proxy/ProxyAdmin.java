package tcpbalancer.proxy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.web.Router;
import java.util.List;
import tcpbalancer.admin.AdminServer;
import tcpbalancer.admin.Readiness;

/**
 * The admin endpoint of one proxy (its {@link ProxyRuntime}'s, so one whatever the number of instances): ready
 * when an instance listens and at least one upstream is up and ready; its {@code /api} is {@link UpstreamsApi}.
 */
final class ProxyAdmin {

  private ProxyAdmin() {
  }

  static Future<AdminServer> start(Vertx vertx, ProxyRuntime runtime) {
    HealthChecks readiness = HealthChecks.create(vertx)
      .register("listening", Readiness.check(() -> runtime.listening() ? null
        : "the proxy does not listen on port " + runtime.options().port()))
      .register("upstreams", Readiness.check(() -> upstreamsProblem(runtime.upstreams())));
    return AdminServer.start(vertx, runtime.options().admin(), runtime.name(), readiness, api -> api(api, runtime));
  }

  private static String upstreamsProblem(List<UpstreamState> upstreams) {
    if (upstreams.stream().anyMatch(UpstreamState::takesNewConnections)) {
      return null;
    }
    return upstreams.stream().noneMatch(UpstreamState::isUp) ? "no upstream is up (of " + upstreams.size() + ")"
      : "no upstream that is up is ready (the others are set to drain or maint)";
  }

  /** The proxy's routes under {@code /api}. */
  private static void api(Router api, ProxyRuntime runtime) {
    UpstreamsApi.addRoutes(api, runtime.group());
  }
}
