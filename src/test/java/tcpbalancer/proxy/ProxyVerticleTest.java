package tcpbalancer.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static tcpbalancer.proxy.ProxyTestClient.await;
import static tcpbalancer.proxy.ProxyTestClient.upstreamOf;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tcpbalancer.config.ConfigUpdates;

@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class ProxyVerticleTest {

  private NetClient client;

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

  static Future<List<ProxyVerticle>> deployProxies(Vertx vertx, JsonObject config, int instances) {
    List<ProxyVerticle> deployed = new CopyOnWriteArrayList<>();
    JsonObject full = new JsonObject().put("host", "127.0.0.1").put("port", 0).put("name", "test-proxy")
      .put("checkIntervalMillis", 50).put("checkTimeoutMillis", 500).mergeIn(config);
    return vertx.deployVerticle(() -> {
      ProxyVerticle proxy = new ProxyVerticle();
      deployed.add(proxy);
      return proxy;
    }, new DeploymentOptions().setConfig(full).setInstances(instances)).map(id -> List.copyOf(deployed));
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
  private Future<List<String>> openSequentially(int port, int count, List<ProxyTestClient> kept) {
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

  private static Map<String, Integer> counts(List<String> names) {
    Map<String, Integer> counts = new HashMap<>();
    names.forEach(n -> counts.merge(n, 1, Integer::sum));
    return counts;
  }

  @Test
  void roundRobinGivesEachUpstreamItsShareAcrossInstances(Vertx vertx, VertxTestContext test) {
    startUpstreams(vertx, "a", "b", "c")
      .compose(ups -> deployProxies(vertx, new JsonObject().put("upstreams", addresses(ups)), 3))
      .compose(proxies -> {
        List<Future<String>> reached = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
          reached.add(upstreamOf(client, proxies.get(i % proxies.size()).actualPort()));
        }
        return Future.all(reached).map(all -> all.<String>list());
      })
      .onComplete(test.succeeding(names -> test.verify(() -> {
        assertThat(counts(names)).containsOnly(Map.entry("a", 10), Map.entry("b", 10), Map.entry("c", 10));
        test.completeNow();
      })));
  }

  @Test
  void weightsShareConnectionsProportionally(Vertx vertx, VertxTestContext test) {
    startUpstreams(vertx, "heavy", "light")
      .compose(ups -> deployProxy(vertx, new JsonObject().put("upstreams", new JsonArray()
        .add(new JsonObject().put("address", ups.get(0).address()).put("weight", 3))
        .add(ups.get(1).address())), 1))
      .compose(proxy -> openSequentially(proxy.actualPort(), 40, new ArrayList<>()))
      .onComplete(test.succeeding(names -> test.verify(() -> {
        assertThat(counts(names)).containsOnly(Map.entry("heavy", 30), Map.entry("light", 10));
        test.completeNow();
      })));
  }

  @Test
  void anUpstreamAtItsOwnLimitIsSkipped(Vertx vertx, VertxTestContext test) {
    startUpstreams(vertx, "small", "big")
      .compose(ups -> deployProxy(vertx, new JsonObject().put("upstreams", new JsonArray()
        .add(new JsonObject().put("address", ups.get(0).address()).put("maxConns", 1))
        .add(ups.get(1).address())), 1))
      .compose(proxy -> openSequentially(proxy.actualPort(), 6, new ArrayList<>()))
      .onComplete(test.succeeding(names -> test.verify(() -> {
        assertThat(counts(names)).containsOnly(Map.entry("small", 1), Map.entry("big", 5));
        test.completeNow();
      })));
  }

  @ParameterizedTest
  @ValueSource(strings = {"least-connections", "power-of-two-choices"})
  void loadAwareStrategiesPreferTheIdleUpstream(String strategy, Vertx vertx, VertxTestContext test) {
    List<ProxyTestClient> kept = new ArrayList<>();
    ProxyVerticle[] proxy = new ProxyVerticle[1];
    startUpstreams(vertx, "busy", "idle")
      .compose(ups -> deployProxy(vertx, new JsonObject().put("upstreams", addresses(ups)).put("strategy", strategy), 2))
      .compose(p -> {
        proxy[0] = p;
        return openSequentially(p.actualPort(), 10, kept);
      })
      .compose(first -> {
        // Close every connection that reached "idle": "busy" keeps its load.
        for (int i = 0; i < first.size(); i++) {
          if (first.get(i).equals("idle")) {
            kept.get(i).socket.close();
          }
        }
        UpstreamState idle = proxy[0].upstreams().upstreams().get(1);
        return await(vertx, 5_000, () -> idle.active() == 0);
      })
      .compose(v -> openSequentially(proxy[0].actualPort(), 4, new ArrayList<>()))
      .onComplete(test.succeeding(names -> test.verify(() -> {
        assertThat(proxy[0].upstreams().upstreams().get(0).active()).as("busy keeps its connections").isPositive();
        assertThat(names).containsOnly("idle");
        test.completeNow();
      })));
  }

  @Test
  void aRefusingUpstreamIsSkippedMarkedDownAndComesBack(Vertx vertx, VertxTestContext test) {
    ProxyVerticle[] proxy = new ProxyVerticle[1];
    TestUpstream[] late = new TestUpstream[1];
    startUpstreams(vertx, "a", "b", "late")
      .compose(ups -> {
        late[0] = ups.get(2);
        return late[0].kill().map(v -> ups); // its port now refuses connections
      })
      .compose(ups -> deployProxy(vertx, new JsonObject().put("upstreams", addresses(ups))
        .put("failuresBeforeDown", 1).put("fall", 1).put("rise", 2), 2))
      .compose(p -> {
        proxy[0] = p;
        List<Future<String>> reached = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
          reached.add(upstreamOf(client, p.actualPort()));
        }
        return Future.all(reached).map(all -> all.<String>list());
      })
      .compose(names -> {
        assertThat(names).as("every client connection succeeds through the others").hasSize(12)
          .containsOnly("a", "b");
        UpstreamState lateState = proxy[0].upstreams().upstreams().get(2);
        assertThat(lateState.isUp()).isFalse();
        assertThat(lateState.connectFailures()).isPositive();
        return late[0].listen(late[0].port).compose(v -> await(vertx, 10_000, lateState::isUp));
      })
      .compose(v -> openSequentially(proxy[0].actualPort(), 3, new ArrayList<>()))
      .onComplete(test.succeeding(names -> test.verify(() -> {
        assertThat(names).contains("late");
        test.completeNow();
      })));
  }

  @Test
  void anUpstreamDyingClosesItsClientsAndNewConnectionsGoElsewhere(Vertx vertx, VertxTestContext test) {
    List<TestUpstream> upstreams = new ArrayList<>();
    List<ProxyTestClient> kept = new ArrayList<>();
    int[] port = new int[1];
    startUpstreams(vertx, "doomed", "survivor")
      .compose(ups -> {
        upstreams.addAll(ups);
        return deployProxy(vertx, new JsonObject().put("upstreams", addresses(ups)).put("failuresBeforeDown", 1), 2);
      })
      .compose(proxy -> {
        port[0] = proxy.actualPort();
        return openSequentially(port[0], 4, kept);
      })
      .compose(names -> {
        List<Future<Void>> doomedClosed = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
          if (names.get(i).equals("doomed")) {
            doomedClosed.add(kept.get(i).closed);
          }
        }
        assertThat(doomedClosed).hasSize(2);
        return upstreams.get(0).kill().compose(v -> Future.all(doomedClosed));
      })
      .compose(v -> openSequentially(port[0], 4, new ArrayList<>()))
      .onComplete(test.succeeding(names -> test.verify(() -> {
        assertThat(names).containsOnly("survivor");
        assertThat(kept.stream().filter(c -> !c.closed.isComplete()).count()).as("survivor's clients stay").isEqualTo(2);
        test.completeNow();
      })));
  }

  @Test
  void pastMaxConnsAConnectionWaitsForASlotEvenOnAnotherInstance(Vertx vertx, VertxTestContext test) {
    int[] ports = new int[2];
    ProxyVerticle[] proxy = new ProxyVerticle[1];
    startUpstreams(vertx, "a")
      .compose(ups -> deployProxies(vertx, new JsonObject().put("upstreams", addresses(ups))
        .put("maxConns", 1).put("queueSize", 1).put("queueTimeoutMillis", 30_000), 2))
      .compose(proxies -> {
        proxy[0] = proxies.get(0);
        ports[0] = proxies.get(0).actualPort();
        ports[1] = proxies.get(1).actualPort();
        return ProxyTestClient.connect(client, ports[0]);
      })
      .compose(first -> first.greeting.compose(g -> ProxyTestClient.connect(client, ports[1])).compose(second ->
        await(vertx, 5_000, () -> proxy[0].queuedConnections() == 1).compose(queued -> {
          assertThat(second.greeting.isComplete()).as("the second waits while the first holds the slot").isFalse();
          assertThat(proxy[0].inboundConnections()).isEqualTo(1);
          first.socket.close();
          return second.greeting;
        })))
      .onComplete(test.succeeding(greeting -> test.verify(() -> {
        assertThat(greeting).isEqualTo("a");
        test.completeNow();
      })));
  }

  @Test
  void pastMaxConnsAConnectionIsRefusedAfterTheQueueTimeoutOrWhenTheQueueIsFull(Vertx vertx, VertxTestContext test) {
    int[] port = new int[1];
    startUpstreams(vertx, "a")
      .compose(ups -> deployProxy(vertx, new JsonObject().put("upstreams", addresses(ups))
        .put("maxConns", 1).put("queueSize", 1).put("queueTimeoutMillis", 300), 1))
      .compose(proxy -> {
        port[0] = proxy.actualPort();
        return ProxyTestClient.connect(client, port[0]);
      })
      .compose(holder -> holder.greeting)
      .compose(g -> ProxyTestClient.connect(client, port[0]))
      .compose(waiting -> ProxyTestClient.connect(client, port[0]).compose(overflow ->
        // The queue holds one: the third is refused at once, the second after its timeout.
        overflow.closed.compose(v -> {
          assertThat(waiting.closed.isComplete()).isFalse();
          return waiting.closed;
        }).map(v -> List.of(waiting, overflow))))
      .onComplete(test.succeeding(refused -> test.verify(() -> {
        assertThat(refused).allSatisfy(c -> assertThat(c.greeting.failed()).isTrue());
        test.completeNow();
      })));
  }

  @Test
  void largeTransfersBothWaysArriveByteExact(Vertx vertx, VertxTestContext test) {
    int size = 24 * 1024 * 1024;
    startUpstreams(vertx, "echo")
      .compose(ups -> deployProxy(vertx, new JsonObject().put("upstreams", addresses(ups)), 2))
      .compose(proxy -> {
        List<Future<Void>> transfers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          transfers.add(echoThrough(proxy.actualPort(), ProxyTestClient.bytes(size, i)));
        }
        return Future.all(transfers).map(all -> proxy);
      })
      .onComplete(test.succeeding(proxy -> test.verify(() -> {
        UpstreamState echo = proxy.upstreams().upstreams().get(0);
        assertThat(echo.bytesToUpstream()).isEqualTo(3L * size);
        assertThat(echo.bytesFromUpstream()).isEqualTo(3L * (size + "echo\n".length()));
        test.completeNow();
      })));
  }

  /** Sends {@code data} through the proxy to the echo upstream and checks every byte comes back. */
  private Future<Void> echoThrough(int port, Buffer data) {
    return ProxyTestClient.connect(client, port).compose(c -> c.greeting.compose(g -> {
      Promise<Void> done = Promise.promise();
      Buffer received = Buffer.buffer(data.length());
      c.socket.handler(chunk -> {
        received.appendBuffer(chunk);
        if (received.length() >= data.length()) {
          if (received.equals(data)) {
            done.tryComplete();
          } else {
            done.tryFail("echo differs from what was sent");
          }
          c.socket.close();
        }
      });
      writeWithBackpressure(c, data, 0);
      return done.future();
    }));
  }

  private static void writeWithBackpressure(ProxyTestClient c, Buffer data, int offset) {
    int chunk = 64 * 1024;
    while (offset < data.length()) {
      c.socket.write(data.slice(offset, Math.min(data.length(), offset + chunk)));
      offset += chunk;
      if (c.socket.writeQueueFull()) {
        int next = offset;
        c.socket.drainHandler(v -> writeWithBackpressure(c, data, next));
        return;
      }
    }
  }

  @Test
  void bytesSentBeforeAnUpstreamClosesReachAPausedClient(Vertx vertx, VertxTestContext test) {
    int size = 8 * 1024 * 1024;
    Buffer payload = ProxyTestClient.bytes(size, 7);
    Promise<Void> upstreamClosed = Promise.promise();
    NetServer sender = vertx.createNetServer().connectHandler(socket -> {
      socket.closeHandler(v -> upstreamClosed.tryComplete());
      socket.write(payload).onComplete(written -> socket.close());
    });
    sender.listen(0, "127.0.0.1")
      .compose(s -> deployProxy(vertx, new JsonObject().put("upstreams", new JsonArray().add("127.0.0.1:" + s.actualPort())), 1))
      .compose(proxy -> client.connect(proxy.actualPort(), "127.0.0.1"))
      .onComplete(test.succeeding(socket -> {
        socket.pause(); // the proxy must hold what it could not deliver, and deliver the end after it
        Buffer received = Buffer.buffer(size);
        socket.handler(received::appendBuffer);
        socket.endHandler(v -> test.verify(() -> {
          assertThat(received.length()).isEqualTo(size);
          assertThat(received).isEqualTo(payload);
          test.completeNow();
        }));
        upstreamClosed.future().onComplete(v -> socket.resume());
      }));
  }

  @Test
  void undeployDrainsOpenConnectionsThenStops(Vertx vertx, VertxTestContext test) {
    String[] deploymentId = new String[1];
    ProxyVerticle[] proxy = new ProxyVerticle[1];
    List<ProxyVerticle> instances = new ArrayList<>();
    startUpstreams(vertx, "a")
      .compose(ups -> vertx.deployVerticle(() -> {
        ProxyVerticle p = new ProxyVerticle();
        instances.add(p);
        return p;
      }, new DeploymentOptions().setConfig(new JsonObject().put("host", "127.0.0.1").put("port", 0)
        .put("upstreams", addresses(ups)).put("drainTimeoutMillis", 30_000))))
      .compose(id -> {
        deploymentId[0] = id;
        proxy[0] = instances.get(0);
        return ProxyTestClient.connect(client, proxy[0].actualPort());
      })
      .compose(open -> open.greeting.compose(g -> {
        int port = proxy[0].actualPort();
        Future<Void> undeployed = vertx.undeploy(deploymentId[0]);
        Promise<String> echoed = Promise.promise();
        open.socket.handler(b -> echoed.tryComplete(b.toString()));
        open.socket.write("still here");
        return echoed.future()
          .compose(echo -> {
            assertThat(echo).isEqualTo("still here");
            assertThat(undeployed.isComplete()).as("waits for the open connection").isFalse();
            // The listening socket closes a moment after the undeploy starts: until then the kernel may complete a
            // handshake into its backlog, and closing the listener then resets that connection. Either way no
            // upstream may serve it.
            return ProxyTestClient.connect(client, port).transform(connected -> connected.failed()
              ? Future.succeededFuture("refused")
              : connected.result().greeting.transform(greeting -> Future.succeededFuture(greeting.succeeded()
                ? "served by " + greeting.result() : "closed unserved")));
          })
          .compose(newConnection -> {
            assertThat(newConnection).as("no new connection is served while draining")
              .isIn("refused", "closed unserved");
            open.socket.close();
            return undeployed;
          });
      }))
      .onComplete(test.succeedingThenComplete());
  }

  @Test
  void connectionsStillOpenAfterTheDrainTimeAreClosed(Vertx vertx, VertxTestContext test) {
    List<ProxyVerticle> instances = new ArrayList<>();
    startUpstreams(vertx, "a")
      .compose(ups -> vertx.deployVerticle(() -> {
        ProxyVerticle p = new ProxyVerticle();
        instances.add(p);
        return p;
      }, new DeploymentOptions().setConfig(new JsonObject().put("host", "127.0.0.1").put("port", 0)
        .put("upstreams", addresses(ups)).put("drainTimeoutMillis", 100))))
      .compose(id -> ProxyTestClient.connect(client, instances.get(0).actualPort())
        .compose(open -> open.greeting.compose(g -> vertx.undeploy(id)).compose(v -> open.closed)))
      .onComplete(test.succeedingThenComplete());
  }

  @Test
  void aNewUpstreamListAppliesToNewConnectionsWhileOpenOnesFinish(Vertx vertx, VertxTestContext test) {
    List<TestUpstream> ups = new ArrayList<>();
    List<ProxyVerticle> proxies = new ArrayList<>();
    String[] deploymentId = new String[1];
    startUpstreams(vertx, "old", "new")
      .compose(started -> {
        ups.addAll(started);
        JsonObject config = new JsonObject().put("host", "127.0.0.1").put("port", 0).put("name", "reloaded")
          .put("upstreams", new JsonArray().add(ups.get(0).address()));
        return vertx.deployVerticle(() -> {
          ProxyVerticle p = new ProxyVerticle();
          proxies.add(p);
          return p;
        }, new DeploymentOptions().setConfig(config).setInstances(2));
      })
      .compose(id -> {
        deploymentId[0] = id;
        return ProxyTestClient.connect(client, proxies.get(0).actualPort());
      })
      .compose(open -> open.greeting.compose(first -> {
        assertThat(first).isEqualTo("old");
        JsonObject changed = new JsonObject().put("host", "127.0.0.1").put("port", 0).put("name", "reloaded")
          .put("upstreams", new JsonArray().add(ups.get(1).address()));
        vertx.eventBus().publish(ConfigUpdates.ADDRESS, ConfigUpdates.message(deploymentId[0], changed));
        UpstreamGroup group = proxies.get(0).upstreams();
        return await(vertx, 5_000, () -> group.upstreams().size() == 1
          && group.upstreams().get(0).upstream().address().equals(ups.get(1).address()))
          .compose(v -> openSequentially(proxies.get(1).actualPort(), 2, new ArrayList<>()))
          .compose(names -> {
            assertThat(names).containsOnly("new");
            Promise<String> echoed = Promise.promise();
            open.socket.handler(b -> echoed.tryComplete(b.toString()));
            open.socket.write("old upstream still serves me");
            return echoed.future();
          });
      }))
      .onComplete(test.succeeding(echo -> test.verify(() -> {
        assertThat(echo).isEqualTo("old upstream still serves me");
        test.completeNow();
      })));
  }

  @Test
  void onlyIdleConnectionsAreClosedByTheIdleTimeout(Vertx vertx, VertxTestContext test) {
    int[] port = new int[1];
    startUpstreams(vertx, "a")
      .compose(ups -> deployProxy(vertx, new JsonObject().put("upstreams", addresses(ups)).put("idleTimeoutSeconds", 1), 1))
      .compose(proxy -> {
        port[0] = proxy.actualPort();
        return Future.all(ProxyTestClient.connect(client, port[0]), ProxyTestClient.connect(client, port[0]));
      })
      .compose(both -> {
        ProxyTestClient idle = both.resultAt(0);
        ProxyTestClient busy = both.resultAt(1);
        // The busy one sends a byte every 200 ms, until twice the idle timeout after the idle one was cut.
        long ticker = vertx.setPeriodic(200, id -> busy.socket.write("."));
        Promise<ProxyTestClient> observed = Promise.promise();
        idle.closed.onSuccess(v -> vertx.setTimer(2_000, id -> {
          vertx.cancelTimer(ticker);
          observed.complete(busy);
        }));
        return observed.future();
      })
      .onComplete(test.succeeding(busy -> test.verify(() -> {
        assertThat(busy.closed.isComplete()).as("a busy connection is never cut").isFalse();
        test.completeNow();
      })));
  }
}
