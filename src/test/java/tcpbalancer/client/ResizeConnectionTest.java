package tcpbalancer.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tcpbalancer.protocol.Frame;
import tcpbalancer.protocol.ResizeMode;
import tcpbalancer.protocol.ResizeRequest;
import tcpbalancer.protocol.Status;
import tcpbalancer.protocol.StatusException;
import tcpbalancer.testing.Topology;

@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class ResizeConnectionTest {

  /** Longer than the test's own time limit: a request that fails only at its time-out fails the test. */
  private static final long REQUEST_TIMEOUT_MILLIS = 120_000;

  /** Fails every write as Netty does when it finds no direct memory to copy a heap buffer into. */
  private static final class NoDirectMemory extends ChannelOutboundHandlerAdapter {
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      ReferenceCountUtil.release(msg);
      promise.setFailure(new OutOfMemoryError("Cannot reserve 1754742 bytes of direct buffer memory"));
    }
  }

  private static ResizeRequest request(String name) {
    return new ResizeRequest(name, "jpeg", 200, 200, ResizeMode.FIT, false, Buffer.buffer(new byte[4096]));
  }

  /** A connection to a backend that never answers, whose writes all fail. */
  private static io.vertx.core.Future<ResizeConnection> unwritable(Vertx vertx) {
    return FakeBackend.start(vertx, (connection, received) -> null)
      .compose(port -> vertx.createNetClient().connect(port, Topology.HOST))
      .map(socket -> {
        ((NetSocketInternal) socket).channelHandlerContext().pipeline().addFirst(new NoDirectMemory());
        return ResizeConnection.over(vertx, socket, Frame.DEFAULT_MAX_BODY_SIZE, REQUEST_TIMEOUT_MILLIS);
      });
  }

  private static void assertCannotSend(Throwable cause) {
    assertThat(cause).isInstanceOf(StatusException.class).hasMessageStartingWith("cannot send requests to ")
      .hasMessageContaining("Cannot reserve 1754742 bytes of direct buffer memory");
    assertThat(((StatusException) cause).status()).isEqualTo(Status.INTERNAL_ERROR);
  }

  @Test
  void aRequestThatCannotBeWrittenFailsAtOnceWithTheReason(Vertx vertx, VertxTestContext test) {
    // The backend never sees a request that was not written: without the write's failure the client waited its
    // whole time-out for an answer, resent the request on a new connection, and waited again.
    unwritable(vertx).onComplete(test.succeeding(connection -> connection.send(request("alone.jpg"))
      .onComplete(test.failing(cause -> test.verify(() -> {
        assertCannotSend(cause);
        test.completeNow();
      })))));
  }

  @Test
  void aCorkedBatchThatCannotBeWrittenFailsEachOfItsRequests(Vertx vertx, VertxTestContext test) {
    // A new connection's first window goes out as one write.
    unwritable(vertx).onComplete(test.succeeding(connection -> {
      var checkpoint = test.checkpoint(2);
      connection.cork();
      for (String name : new String[] {"first.jpg", "second.jpg"}) {
        connection.send(request(name)).onComplete(test.failing(cause -> test.verify(() -> {
          assertCannotSend(cause);
          checkpoint.flag();
        })));
      }
      connection.uncork();
    }));
  }
}
