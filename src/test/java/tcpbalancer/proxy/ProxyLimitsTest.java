package tcpbalancer.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Past {@code maxConns} a connection waits in a bounded queue for a slot, shared by the instances. */
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class ProxyLimitsTest extends ProxyTestSupport {

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
        whenInbound(proxy[0].runtime(), runtime -> runtime.queued() == 1).timeout(5, TimeUnit.SECONDS)
          .compose(queued -> {
            assertThat(second.greeting.isComplete()).as("the second waits while the first holds the slot").isFalse();
            assertThat(proxy[0].runtime().inboundActive()).isEqualTo(1);
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
}
