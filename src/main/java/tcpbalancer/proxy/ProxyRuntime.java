package tcpbalancer.proxy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Shareable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tcpbalancer.admin.AdminServer;
import tcpbalancer.admin.Metrics;
import tcpbalancer.config.ConfigException;
import tcpbalancer.config.ConfigUpdates;

/**
 * What the instances of one proxy share in one Vert.x: its upstreams and their counters, its connection limit,
 * its health checks, where its upstreams come from, its statistics log and its hot reloads. The first instance
 * to start creates it, every instance holds it while it runs, and the last to stop stops it; a changed config
 * is thus applied once per proxy, whatever the number of instances. It is also what reports on the proxy read,
 * and it runs the proxy's admin endpoint when one is configured ({@link ProxyAdmin}), with its status page
 * ({@link StatusPage}).
 */
public final class ProxyRuntime {

  private static final Logger log = LoggerFactory.getLogger(ProxyRuntime.class);

  private final Vertx vertx;
  private final ProxyOptions options;
  private final UpstreamSource source;
  private final UpstreamGroup group;
  private final ConnectionLimiter limiter;
  private final HealthChecker healthChecker;
  /** Deployments whose instances hold this runtime, with how many instances each: reloads are theirs. */
  private final Map<String, Integer> holders = new HashMap<>();
  /** Instances holding this runtime; guarded by the registry. */
  private int holds;
  /** What each instance does when the checks take an upstream down: see {@link #onCheckedDown}. */
  private final List<Consumer<UpstreamState>> checkedDownListeners = new CopyOnWriteArrayList<>();
  /** What each instance does when an upstream's cluster node leaves: see {@link #onLeft}. */
  private final List<Consumer<UpstreamState>> leftListeners = new CopyOnWriteArrayList<>();
  /** Instances whose port is open: the proxy is ready for traffic only with one. */
  private final AtomicInteger listeningInstances = new AtomicInteger();
  private MessageConsumer<JsonObject> configUpdates;
  private Future<AdminServer> admin = Future.succeededFuture();
  /** Its meters, when metrics are on. */
  private ProxyMetrics metrics;
  private long statsTimer = -1;
  private Future<Void> ready;

  private ProxyRuntime(Vertx vertx, ProxyOptions options) {
    this.vertx = vertx;
    this.options = options;
    this.source = UpstreamSource.of(vertx, options, this::upstreamLeft);
    this.group = new UpstreamGroup(options.name(), options.strategy().create(),
      SlowStart.of(options.slowStartMillis()), source.initial());
    this.limiter = new ConnectionLimiter(vertx, options.maxConns(), options.queueSize(),
      options.queueTimeoutMillis());
    this.healthChecker = new HealthChecker(vertx, group, options, this::checksTookDown);
  }

  /**
   * The runtime of the proxy {@code options} names, created and started by the first caller; each call must be
   * matched by one {@link #release}. The options of the instance that created it are the ones that apply.
   */
  static ProxyRuntime acquire(Vertx vertx, ProxyOptions options, String deploymentId) {
    return Registry.of(vertx).acquire(vertx, options, deploymentId);
  }

  /** The runtime of the proxy called {@code name} in {@code vertx}, if one runs: for reports and tests. */
  public static ProxyRuntime of(Vertx vertx, String name) {
    return Registry.of(vertx).get(name);
  }

  /**
   * Completes when the runtime runs: its upstream source, health checks, reload consumer and admin endpoint are in
   * place.
   */
  Future<Void> ready() {
    return ready;
  }

  /** Gives back one {@link #acquire}; the last one stops what the runtime runs. */
  void release(String deploymentId) {
    Registry.of(vertx).release(this, deploymentId);
  }

  public String name() {
    return options.name();
  }

  public ProxyOptions options() {
    return options;
  }

  /** The upstreams of the current list, with their health and counters. */
  public List<UpstreamState> upstreams() {
    return group.upstreams();
  }

  public UpstreamGroup group() {
    return group;
  }

  /** Client connections holding one of the proxy's {@code maxConns} slots (all instances). */
  public int inboundActive() {
    return limiter.active();
  }

  /** Client connections waiting for a slot (all instances). */
  public int queued() {
    return limiter.waiting();
  }

  /**
   * Calls {@code listener} each time {@link #inboundActive} or {@link #queued} changes, on the thread that changed
   * it: for whoever reports on the proxy.
   */
  public void onInboundChange(Runnable listener) {
    limiter.onChange(listener);
  }

  public void removeOnInboundChange(Runnable listener) {
    limiter.removeOnChange(listener);
  }

  /**
   * Calls {@code listener} with each upstream the health checks take down, on the checker's event loop: for the
   * instances, which close their connections to it (when {@code closeWhenDown}).
   */
  void onCheckedDown(Consumer<UpstreamState> listener) {
    checkedDownListeners.add(listener);
  }

  void removeOnCheckedDown(Consumer<UpstreamState> listener) {
    checkedDownListeners.remove(listener);
  }

  private void checksTookDown(UpstreamState upstream) {
    checkedDownListeners.forEach(listener -> listener.accept(upstream));
  }

  /**
   * Calls {@code listener} with each upstream removed because its cluster node left, whatever
   * {@code closeWhenDown} says: for the instances, which close their connections to it, now dead.
   */
  void onLeft(Consumer<UpstreamState> listener) {
    leftListeners.add(listener);
  }

  void removeOnLeft(Consumer<UpstreamState> listener) {
    leftListeners.remove(listener);
  }

  private void upstreamLeft(UpstreamState upstream) {
    leftListeners.forEach(listener -> listener.accept(upstream));
  }

  /** An instance opened its port ({@code true}), or is closing it ({@code false}). */
  void instanceListening(boolean listening) {
    if (listening) {
      listeningInstances.incrementAndGet();
    } else {
      listeningInstances.decrementAndGet();
    }
  }

  /** Whether an instance listens on the proxy's port. */
  public boolean listening() {
    return listeningInstances.get() > 0;
  }

  /** Client connections refused so far (all instances). */
  public long refused() {
    return limiter.refused();
  }

  /** The proxy's admin endpoint; null when it has none. Completes once the runtime is {@link #ready}. */
  Future<AdminServer> admin() {
    return admin;
  }

  ConnectionLimiter limiter() {
    return limiter;
  }

  /** What the start-up log line says the proxy balances over. */
  String describeUpstreams() {
    return source.describe(group);
  }

  private void start() {
    healthChecker.start();
    statsTimer = vertx.setPeriodic(options.statsIntervalMillis(), id -> {
      if (log.isDebugEnabled()) {
        group.upstreams().forEach(upstream -> log.debug("Proxy {}: {}", options.name(), upstream));
      }
    });
    configUpdates = vertx.eventBus().localConsumer(ConfigUpdates.ADDRESS, message -> reload(message.body()));
    metrics = Metrics.registry(vertx).map(registry -> ProxyMetrics.register(registry, this)).orElse(null);
    if (options.admin() != null) {
      admin = ProxyAdmin.start(vertx, this)
        .map(server -> server.addPages(pages -> StatusPage.mount(pages, vertx, this)));
    }
    ready = Future.all(source.start(group), configUpdates.completion(), admin).mapEmpty();
  }

  private void stop() {
    healthChecker.stop();
    source.stop();
    vertx.cancelTimer(statsTimer);
    configUpdates.unregister();
    if (metrics != null) {
      metrics.close();
    }
    admin.onSuccess(server -> {
      if (server != null) {
        server.close();
      }
    });
  }

  /** Hot reload: a new upstream list applies to new connections; open ones finish where they are. */
  private void reload(JsonObject message) {
    JsonObject config = configForHolder(message);
    if (config == null) {
      return;
    }
    try {
      ProxyOptions updated = ProxyOptions.fromJson(config, "config");
      if (source.reload(group, updated.upstreams())
        && !updated.equals(options.withUpstreams(updated.upstreams()))) {
        log.warn("Proxy {}: only the upstream list is applied live; restart to apply the other changes",
          options.name());
      }
    } catch (ConfigException e) {
      log.warn("Proxy {}: ignoring the changed config: {}", options.name(), e.getMessage());
    }
  }

  private JsonObject configForHolder(JsonObject message) {
    synchronized (holders) {
      for (String deploymentId : holders.keySet()) {
        JsonObject config = ConfigUpdates.configFor(deploymentId, message);
        if (config != null) {
          return config;
        }
      }
    }
    return null;
  }

  /** The runtimes of one Vert.x, by proxy name, with how many instances hold each. */
  private static final class Registry implements Shareable {

    private final Map<String, ProxyRuntime> runtimes = new HashMap<>();

    static Registry of(Vertx vertx) {
      return vertx.sharedData().<String, Registry>getLocalMap("tcpbalancer.proxy.runtimes")
        .computeIfAbsent("registry", key -> new Registry());
    }

    synchronized ProxyRuntime get(String name) {
      return runtimes.get(name);
    }

    synchronized ProxyRuntime acquire(Vertx vertx, ProxyOptions options, String deploymentId) {
      ProxyRuntime runtime = runtimes.get(options.name());
      if (runtime == null) {
        runtime = new ProxyRuntime(vertx, options);
        runtime.start();
        runtimes.put(options.name(), runtime);
      }
      runtime.holds++;
      synchronized (runtime.holders) {
        runtime.holders.merge(deploymentId, 1, Integer::sum);
      }
      return runtime;
    }

    void release(ProxyRuntime runtime, String deploymentId) {
      synchronized (runtime.holders) {
        runtime.holders.computeIfPresent(deploymentId, (id, count) -> count == 1 ? null : count - 1);
      }
      boolean last;
      synchronized (this) {
        last = --runtime.holds == 0 && runtimes.remove(runtime.name(), runtime);
      }
      if (last) {
        runtime.stop();
      }
    }
  }
}
