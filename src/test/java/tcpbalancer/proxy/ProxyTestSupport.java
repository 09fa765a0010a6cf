package tcpbalancer.proxy;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** Deploying proxies and upstreams for the proxy tests, and waiting for what they do. */
final class ProxyTestSupport {

  private ProxyTestSupport() {
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

  /**
   * Completes once {@code condition} holds, checking every 20 ms, failing after {@code timeoutMillis}. Only for
   * what the proxy announces no event for: a counter going down, a health check passing.
   */
  static Future<Void> eventually(Vertx vertx, long timeoutMillis, BooleanSupplier condition) {
    Promise<Void> done = Promise.promise();
    long deadline = System.currentTimeMillis() + timeoutMillis;
    vertx.setPeriodic(0, 20, id -> {
      if (condition.getAsBoolean()) {
        vertx.cancelTimer(id);
        done.tryComplete();
      } else if (System.currentTimeMillis() > deadline) {
        vertx.cancelTimer(id);
        done.tryFail("condition not met within " + timeoutMillis + " ms");
      }
    });
    return done.future();
  }
}
