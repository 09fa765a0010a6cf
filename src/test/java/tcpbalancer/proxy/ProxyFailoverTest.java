package tcpbalancer.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static tcpbalancer.proxy.ProxyTestClient.upstreamOf;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** An upstream that refuses or dies is skipped, marked down, and taken back when it answers again. */
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class ProxyFailoverTest extends ProxyTestSupport {

  @Test
  void aRefusingUpstreamIsSkippedMarkedDownAndComesBack(Vertx vertx, VertxTestContext test) {
    ProxyVerticle[] proxy = new ProxyVerticle[1];
    TestUpstream[] late = new TestUpstream[1];
    startUpstreams(vertx, "a", "b", "late")
      .compose(ups -> {
        late[0] = ups.get(2);
        return late[0].kill().map(v -> ups); // its port now refuses connections
      })
      // Checks every 500 ms, not 50: the clients' connects, not a check, must be what finds "late" refusing.
      .compose(ups -> deployProxy(vertx, new JsonObject().put("upstreams", addresses(ups))
        .put("failuresBeforeDown", 1).put("fall", 1).put("rise", 2).put("checkIntervalMillis", 500), 2))
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
        UpstreamState lateState = proxy[0].runtime().upstreams().get(2);
        assertThat(lateState.isUp()).isFalse();
        assertThat(lateState.connectFailures()).isPositive();
        return late[0].listen(late[0].port).compose(v -> whenUp(lateState, true).timeout(10, TimeUnit.SECONDS));
      })
      .compose(v -> openSequentially(client, proxy[0].actualPort(), 3, new ArrayList<>()))
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
        return openSequentially(client, port[0], 4, kept);
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
      .compose(v -> openSequentially(client, port[0], 4, new ArrayList<>()))
      .onComplete(test.succeeding(names -> test.verify(() -> {
        assertThat(names).containsOnly("survivor");
        assertThat(kept.stream().filter(c -> !c.closed.isComplete()).count()).as("survivor's clients stay")
          .isEqualTo(2);
        test.completeNow();
      })));
  }
}
