package tcpbalancer.proxy;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tcpbalancer.cluster.ClusterNode;
import tcpbalancer.config.ConfigException;
import tcpbalancer.config.ConfigUpdates;
import tcpbalancer.config.Listening;

/**
 * A layer-4 proxy: accepts TCP connections and relays each to one upstream, chosen by the configured strategy
 * among the healthy ones. Deploy one instance per event loop; they share the port, the upstreams' state and
 * the connection limit.
 */
public class ProxyVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(ProxyVerticle.class);

  private ProxyOptions options;
  private UpstreamGroup group;
  private ConnectionLimiter limiter;
  private NetServer server;
  private NetClient upstreamClient;
  private HealthChecker healthChecker;
  private ClusterDiscovery discovery;
  private long statsTimer = -1;
  private MessageConsumer<JsonObject> configUpdates;
  private final Set<Relay> relays = new LinkedHashSet<>();
  private Promise<Void> drained;

  @Override
  public Future<?> start() {
    options = ProxyOptions.fromJson(config(), "config");
    if (options.upstreams().isEmpty() && ClusterNode.of(vertx) == null) {
      throw new ConfigException("config.upstreams: required, a list such as [\"127.0.0.1:9091\"], unless the proxy "
        + "runs clustered (-cluster), where it discovers the backends");
    }
    group = UpstreamGroup.shared(vertx, options, this::runHealthChecks);
    limiter = ConnectionLimiter.shared(vertx, options);
    upstreamClient = vertx.createNetClient(new NetClientOptions()
      .setConnectTimeout(options.connectTimeoutMillis())
      .setIdleTimeout(options.idleTimeoutSeconds())
      .setTcpNoDelay(true));
    server = vertx.createNetServer(new NetServerOptions()
      .setIdleTimeout(options.idleTimeoutSeconds())
      .setTcpNoDelay(true));
    server.connectHandler(this::accept);
    configUpdates = vertx.eventBus().localConsumer(ConfigUpdates.ADDRESS, message -> reload(message.body()));
    return configUpdates.completion()
      .compose(v -> server.listen(options.port(), options.host()))
      .onSuccess(s -> log.info("Proxy {} listening on {}:{}, balancing ({}) over {}", options.name(), options.host(),
        s.actualPort(), options.strategy(), options.upstreams().isEmpty() ? "the backends the cluster announces"
          : group.upstreams().stream().map(u -> u.upstream().address()).toList()))
      .onSuccess(s -> Listening.announce(vertx, options.name(), options.host(), s.actualPort()));
  }

  /** The port the proxy listens on (useful when the configured port is 0). */
  public int actualPort() {
    return server.actualPort();
  }

  /** The upstreams and their counters, shared by all instances of this proxy. */
  public UpstreamGroup upstreams() {
    return group;
  }

  /** Client connections holding one of the proxy's {@code maxConns} slots (all instances). */
  public int inboundConnections() {
    return limiter.active();
  }

  /** Client connections waiting for a slot (all instances). */
  public int queuedConnections() {
    return limiter.waiting();
  }

  /** Runs once per proxy, in the instance that created the shared group. */
  private void runHealthChecks(UpstreamGroup created) {
    healthChecker = new HealthChecker(vertx, created, options);
    healthChecker.start();
    if (options.upstreams().isEmpty()) {
      discovery = new ClusterDiscovery(vertx, ClusterNode.of(vertx), created);
      discovery.start();
    }
    statsTimer = vertx.setPeriodic(options.statsIntervalMillis(), id -> {
      if (log.isDebugEnabled()) {
        created.upstreams().forEach(upstream -> log.debug("Proxy {}: {}", options.name(), upstream));
      }
    });
  }

  private void accept(NetSocket client) {
    boolean[] clientClosed = {false};
    Relay.hold(client, () -> clientClosed[0] = true); // not a byte is read until an upstream is connected
    limiter.acquire().onComplete(slot -> {
      if (slot.failed()) {
        log.warn("Refusing connection from {}: {}", client.remoteAddress(), slot.cause().getMessage());
        client.close();
        return;
      }
      if (clientClosed[0]) {
        limiter.release(); // it hung up while it waited for a slot
        return;
      }
      connectUpstream(new HashSet<>(), 0).onComplete(connected -> {
        if (connected.failed()) {
          limiter.release();
          log.warn("Closing connection from {}: {}", client.remoteAddress(), connected.cause().getMessage());
          client.close();
          return;
        }
        Connected upstream = connected.result();
        if (clientClosed[0]) {
          upstream.socket().close();
          upstream.state().release();
          limiter.release();
          return;
        }
        Relay[] relay = new Relay[1];
        relay[0] = new Relay(client, upstream.socket(), upstream.state(), () -> {
          upstream.state().release();
          limiter.release();
          relays.remove(relay[0]);
          if (drained != null && relays.isEmpty()) {
            drained.tryComplete();
          }
        });
        relays.add(relay[0]);
        relay[0].start();
        log.debug("{} -> {}", client.remoteAddress(), upstream.state().upstream().address());
      });
    });
  }

  private record Connected(UpstreamState state, NetSocket socket) {
  }

  /** Connects to a healthy upstream; on failure tries the next one, up to {@code retries} more times. */
  private Future<Connected> connectUpstream(Set<UpstreamState> tried, int attempt) {
    UpstreamState chosen = group.reserve(tried);
    if (chosen == null) {
      return Future.failedFuture(tried.isEmpty()
        ? "no upstream is up (of " + group.upstreams().size() + ")"
        : "every upstream that is up failed to connect (" + tried.size() + " tried)");
    }
    return upstreamClient.connect(chosen.upstream().socketAddress())
      .map(socket -> {
        Relay.hold(socket, () -> { });
        chosen.connected();
        return new Connected(chosen, socket);
      })
      .recover(failure -> {
        chosen.release();
        chosen.connectFailed(failure, options.failuresBeforeDown());
        tried.add(chosen);
        log.debug("Connect to {} failed: {}", chosen.upstream().address(), failure.getMessage());
        if (attempt >= options.retries()) {
          return Future.failedFuture("gave up after " + (attempt + 1) + " connect attempts (last: "
            + chosen.upstream().address() + ": " + failure.getMessage() + ")");
        }
        return connectUpstream(tried, attempt + 1);
      });
  }

  /** Hot reload: a new upstream list applies to new connections; open ones finish where they are. */
  private void reload(JsonObject message) {
    JsonObject config = ConfigUpdates.configFor(deploymentID(), message);
    if (config == null) {
      return;
    }
    try {
      ProxyOptions updated = ProxyOptions.fromJson(config, "config");
      if (options.upstreams().isEmpty()) {
        log.warn("Proxy {}: its upstreams come from the cluster; the changed config is not applied", options.name());
        return;
      }
      if (updated.upstreams().isEmpty()) {
        throw new ConfigException("config.upstreams: the changed list is empty");
      }
      group.update(updated.upstreams());
      if (!updated.equals(options.withUpstreams(updated.upstreams()))) {
        log.warn("Proxy {}: only the upstream list is applied live; restart to apply the other changes",
          options.name());
      }
    } catch (ConfigException e) {
      log.warn("Proxy {}: ignoring the changed config: {}", options.name(), e.getMessage());
    }
  }

  /** Graceful stop: stop accepting, let open connections finish for {@code drainTimeoutMillis}, close the rest. */
  @Override
  public Future<?> stop() {
    drained = Promise.promise();
    if (healthChecker != null) {
      healthChecker.stop();
      if (discovery != null) {
        discovery.stop();
      }
      vertx.cancelTimer(statsTimer);
      UpstreamGroup.remove(vertx, options.name());
      ConnectionLimiter.remove(vertx, options.name());
    }
    if (!relays.isEmpty()) {
      log.info("Proxy {} draining {} open connections for up to {} ms", options.name(), relays.size(),
        options.drainTimeoutMillis());
    }
    // Vert.x's server shutdown stops accepting at once, then waits for open connections up to the timeout and
    // closes those left; a relay is over once its upstream side has closed too.
    Future<Void> shutdown = server.shutdown(options.drainTimeoutMillis(), TimeUnit.MILLISECONDS);
    return Future.join(configUpdates.unregister(), shutdown)
      .compose(v -> {
        new ArrayList<>(relays).forEach(Relay::closeBoth);
        return relays.isEmpty() ? Future.succeededFuture() : drained.future();
      })
      .compose(v -> upstreamClient.close());
  }
}
