package tcpbalancer.proxy;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;

/**
 * Active health checks, as HAProxy's {@code check inter rise fall}: every {@code checkIntervalMillis} each
 * upstream gets a TCP connect; {@code fall} failures in a row take it down, {@code rise} successes bring it back.
 * One checker runs per proxy, whatever the number of instances.
 */
final class HealthChecker {

  private final Vertx vertx;
  private final UpstreamGroup group;
  private final ProxyOptions options;
  private final NetClient client;
  private long timer = -1;

  HealthChecker(Vertx vertx, UpstreamGroup group, ProxyOptions options) {
    this.vertx = vertx;
    this.group = group;
    this.options = options;
    this.client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(options.checkTimeoutMillis()));
  }

  void start() {
    timer = vertx.setPeriodic(options.checkIntervalMillis(), id -> checkAll());
  }

  void stop() {
    vertx.cancelTimer(timer);
    client.close();
  }

  private void checkAll() {
    for (UpstreamState upstream : group.upstreams()) {
      client.connect(upstream.upstream().socketAddress()).onComplete(result -> {
        if (result.succeeded()) {
          result.result().close();
          upstream.checkPassed(options.rise());
        } else {
          upstream.checkFailed(result.cause(), options.fall());
        }
      });
    }
  }
}
