package tcpbalancer.proxy;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.IntPredicate;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The base of the proxy tests: a client to connect through the proxy with, deploying proxies and upstreams, and
 * waiting for what they announce (a list reloaded, an upstream up or down, a connection count changed).
 */
@ExtendWith(VertxExtension.class)
abstract class ProxyTestSupport {

  /** Connects to the proxies under test; Vert.x closes it with itself. */
  NetClient client;

  @BeforeEach
  void createClient(Vertx vertx) {
    client = vertx.createNetClient();
  }

  /**
   * Deploys {@code instances} proxies on loopback; returns the first. With port 0 each instance gets a port of
   * its own, which lets a test reach each instance and see that they share the upstreams and the limit.
   */
  static Future<ProxyVerticle> deployProxy(Vertx vertx, JsonObject config, int instances) {
    return deployProxies(vertx, config, instances).map(all -> all.get(0));
  }

  /** Test upstreams greet and echo: they are checked with a connect, not with the default resize request. */
  static Future<List<ProxyVerticle>> deployProxies(Vertx vertx, JsonObject config, int instances) {
    JsonObject full = new JsonObject().put("host", "127.0.0.1").put("port", 0).put("name", "test-proxy")
      .put("check", "connect").put("checkIntervalMillis", 50).put("checkTimeoutMillis", 500).mergeIn(config);
    return deploy(vertx, full, instances).map(Deployed::instances);
  }

  /** A deployment of proxies exactly as configured: its id and its instances. */
  record Deployed(String id, List<ProxyVerticle> instances) {
  }

  static Future<Deployed> deploy(Vertx vertx, JsonObject config, int instances) {
    List<ProxyVerticle> deployed = new CopyOnWriteArrayList<>();
    return vertx.deployVerticle(() -> {
      ProxyVerticle proxy = new ProxyVerticle();
      deployed.add(proxy);
      return proxy;
    }, new DeploymentOptions().setConfig(config).setInstances(instances))
      .map(id -> new Deployed(id, List.copyOf(deployed)));
  }

  /**
   * Runs {@code work} on an event loop and waits for its result, for tests written with {@code await}: a socket
   * connected from the test's own thread could deliver its first bytes before the handler is set.
   */
  static <T> T awaitOnEventLoop(Vertx vertx, Supplier<Future<T>> work) {
    Promise<T> done = Promise.promise();
    vertx.runOnContext(v -> work.get().onComplete(done));
    return done.future().await();
  }

  static Future<List<TestUpstream>> startUpstreams(Vertx vertx, String... names) {
    List<Future<TestUpstream>> started = new ArrayList<>();
    for (String name : names) {
      started.add(TestUpstream.start(vertx, name));
    }
    return Future.all(started).map(all -> all.<TestUpstream>list());
  }

  static JsonArray addresses(List<TestUpstream> upstreams) {
    return new JsonArray(upstreams.stream().map(TestUpstream::address).toList());
  }

  /** Opens {@code count} connections one after the other; returns which upstream each reached. */
  static Future<List<String>> openSequentially(NetClient client, int port, int count, List<ProxyTestClient> kept) {
    Future<List<String>> chain = Future.succeededFuture(new ArrayList<>());
    for (int i = 0; i < count; i++) {
      chain = chain.compose(names -> ProxyTestClient.connect(client, port).compose(c -> {
        kept.add(c);
        return c.greeting;
      }).map(name -> {
        names.add(name);
        return names;
      }));
    }
    return chain;
  }

  static Map<String, Integer> counts(List<String> names) {
    Map<String, Integer> counts = new HashMap<>();
    names.forEach(n -> counts.merge(n, 1, Integer::sum));
    return counts;
  }

  /** Completes when the group's upstream list satisfies {@code condition}: now, or at the change that makes it. */
  static Future<List<UpstreamState>> whenUpstreams(UpstreamGroup group, Predicate<List<UpstreamState>> condition) {
    Promise<List<UpstreamState>> met = Promise.promise();
    Consumer<List<UpstreamState>> listener = list -> {
      if (condition.test(list)) {
        met.tryComplete(list);
      }
    };
    group.onChange(listener);
    listener.accept(group.upstreams());
    return met.future().onComplete(done -> group.removeOnChange(listener));
  }

  /** Completes when {@code upstream} is up (or down): now, or at the change that makes it so. */
  static Future<Void> whenUp(UpstreamState upstream, boolean up) {
    Promise<Void> met = Promise.promise();
    Consumer<UpstreamState.StateChange> listener = change -> {
      if (change.up() == up) {
        met.tryComplete();
      }
    };
    upstream.onStateChange(listener);
    if (upstream.isUp() == up) {
      met.tryComplete();
    }
    return met.future().onComplete(done -> upstream.removeOnStateChange(listener));
  }

  /** Completes when the connections on {@code upstream} satisfy {@code condition}: now, or when a slot changes. */
  static Future<Void> whenActive(UpstreamState upstream, IntPredicate condition) {
    Promise<Void> met = Promise.promise();
    Consumer<UpstreamState> listener = changed -> {
      if (condition.test(changed.active())) {
        met.tryComplete();
      }
    };
    upstream.onActiveChange(listener);
    listener.accept(upstream);
    return met.future().onComplete(done -> upstream.removeOnActiveChange(listener));
  }

  /** Completes when the proxy's inbound connections satisfy {@code condition}: now, or at the change that does. */
  static Future<Void> whenInbound(ProxyRuntime runtime, Predicate<ProxyRuntime> condition) {
    Promise<Void> met = Promise.promise();
    Runnable listener = () -> {
      if (condition.test(runtime)) {
        met.tryComplete();
      }
    };
    runtime.onInboundChange(listener);
    listener.run();
    return met.future().onComplete(done -> runtime.removeOnInboundChange(listener));
  }
}
