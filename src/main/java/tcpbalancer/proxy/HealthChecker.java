package tcpbalancer.proxy;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import tcpbalancer.config.ExplainedTlsClient;

/**
 * Active health checks, as HAProxy's {@code check inter rise fall}: every {@code checkIntervalMillis} each
 * upstream gets a connect and the configured {@link HealthCheck}, each bounded by {@code checkTimeoutMillis};
 * {@code fall} failures in a row take it down, {@code rise} passes bring it back. Upstreams in
 * {@link AdminState#MAINT} are skipped. One checker runs per proxy, whatever the number of instances.
 */
final class HealthChecker {

  private final Vertx vertx;
  private final UpstreamGroup group;
  private final ProxyOptions options;
  private final NetClient client;
  private final Consumer<UpstreamState> onDown;
  /**
   * Upstreams whose check is still waiting: a hung one gets no second connection on top of the first. Its next
   * check, if it came due meanwhile (timeout over interval), starts when this one ends.
   */
  private final Set<UpstreamState> checking = ConcurrentHashMap.newKeySet();
  private final Set<UpstreamState> overdue = ConcurrentHashMap.newKeySet();
  private volatile boolean stopped;
  private long timer = -1;

  /** {@code onDown} hears of each upstream the checks take down, on the checker's event loop. */
  HealthChecker(Vertx vertx, UpstreamGroup group, ProxyOptions options, Consumer<UpstreamState> onDown) {
    this.vertx = vertx;
    this.onDown = onDown;
    this.group = group;
    this.options = options;
    // a TLS upstream is checked over TLS, its certificate verified as for the relays, the handshake in the timeout
    this.client = ExplainedTlsClient.of(vertx.createNetClient(options.tls().upstreamClient(new NetClientOptions())
      .setConnectTimeout(options.checkTimeoutMillis())
      .setSslHandshakeTimeout(options.checkTimeoutMillis()).setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS)),
      options.tls().upstream());
  }

  void start() {
    timer = vertx.setPeriodic(options.checkIntervalMillis(), id -> checkAll());
  }

  void stop() {
    stopped = true;
    vertx.cancelTimer(timer);
    client.close();
  }

  private void checkAll() {
    for (UpstreamState upstream : group.upstreams()) {
      if (upstream.adminState() == AdminState.MAINT) {
        continue; // in maintenance its health is unknown, and checks could disturb the work on it
      }
      if (checking.add(upstream)) {
        checkNow(upstream);
      } else {
        overdue.add(upstream);
      }
    }
  }

  private void checkNow(UpstreamState upstream) {
    check(upstream.upstream()).onComplete(result -> {
      if (stopped) {
        return; // closing the client failed it
      }
      if (result.succeeded()) {
        upstream.checkPassed(options.rise());
      } else {
        if (upstream.checkFailed(result.cause(), options.fall())) {
          onDown.accept(upstream);
        }
      }
      if (overdue.remove(upstream)) {
        checkNow(upstream);
      } else {
        checking.remove(upstream);
      }
    });
  }

  /** One check: connects, runs the probe, closes; fails naming why, such as "no answer within 1000 ms". */
  Future<Void> check(Upstream upstream) {
    int timeout = options.checkTimeoutMillis();
    return client.connect(upstream.socketAddress()).compose(socket -> {
      Promise<Void> outcome = Promise.promise();
      long deadline = vertx.setTimer(timeout, id -> outcome.tryFail("no answer within " + timeout + " ms"));
      if (upstream.sendProxy() != SendProxy.OFF) { // an upstream that wants a header refuses a check without one
        ProxyHeader.sendLocal(socket, upstream.sendProxy());
      }
      options.check().probe(socket).onComplete(probed -> {
        if (probed.succeeded()) {
          outcome.tryComplete();
        } else {
          outcome.tryFail(probed.cause());
        }
      });
      return outcome.future().onComplete(done -> {
        vertx.cancelTimer(deadline);
        socket.close();
      });
    });
  }
}
