package tcpbalancer.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Bytes pass unchanged both ways, with backpressure, up to the end a side sends; idle connections are cut. */
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class ProxyRelayTest extends ProxyTestSupport {

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
        UpstreamState echo = proxy.runtime().upstreams().get(0);
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
      .compose(s -> deployProxy(vertx,
        new JsonObject().put("upstreams", new JsonArray().add("127.0.0.1:" + s.actualPort())), 1))
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
  void onlyIdleConnectionsAreClosedByTheIdleTimeout(Vertx vertx, VertxTestContext test) {
    int[] port = new int[1];
    startUpstreams(vertx, "a")
      .compose(ups -> deployProxy(vertx, new JsonObject().put("upstreams", addresses(ups))
        .put("idleTimeoutSeconds", 1), 1))
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
