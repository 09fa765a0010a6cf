package tcpbalancer.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tcpbalancer.protocol.Frame;
import tcpbalancer.protocol.ResizeMode;
import tcpbalancer.protocol.ResizeRequest;
import tcpbalancer.protocol.Status;
import tcpbalancer.protocol.StatusException;
import tcpbalancer.testing.NoDirectMemory;
import tcpbalancer.testing.Topology;

@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class ResizeConnectionTest {

  /** Longer than the test's own time limit: a request that fails only at its time-out fails the test. */
  private static final long REQUEST_TIMEOUT_MILLIS = 120_000;

  /** Lets every write through, noting its size. */
  private static final class WriteSizes extends ChannelOutboundHandlerAdapter {
    final List<Integer> sizes = new CopyOnWriteArrayList<>();

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      sizes.add(((ByteBuf) msg).readableBytes());
      ctx.write(msg, promise);
    }
  }

  private static ResizeRequest request(String name) {
    return request(name, 4096);
  }

  private static ResizeRequest request(String name, int imageBytes) {
    return new ResizeRequest(name, "jpeg", 200, 200, ResizeMode.FIT, false, Buffer.buffer(new byte[imageBytes]));
  }

  private static int frameBytes(ResizeRequest request) {
    Buffer[] parts = request.toFrameParts(1);
    return parts[0].length() + parts[1].length();
  }

  /** A connection to a backend that never answers, whose writes all fail. */
  private static io.vertx.core.Future<ResizeConnection> unwritable(Vertx vertx) {
    return FakeBackend.start(vertx, (connection, received) -> null)
      .compose(port -> vertx.createNetClient().connect(port, Topology.HOST))
      .map(socket -> {
        NoDirectMemory.install(socket);
        return ResizeConnection.over(vertx, socket, Frame.DEFAULT_MAX_BODY_SIZE, REQUEST_TIMEOUT_MILLIS);
      });
  }

  private static void assertCannotSend(Throwable cause) {
    assertThat(cause).isInstanceOf(StatusException.class).hasMessageStartingWith("cannot send requests to ")
      .hasMessageContaining(NoDirectMemory.MESSAGE);
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

  @Test
  void aCorkedBatchGathersSmallFramesAndWritesLargeOnesOnTheirOwnInOrder(Vertx vertx, VertxTestContext test) {
    // A new connection's first window of large images used to be copied into one buffer, then copied whole into
    // direct memory to be written: a window of 25 MB images needed 100 MB of each at once.
    WriteSizes writes = new WriteSizes();
    ResizeRequest small1 = request("small-1.jpg", 1000);
    ResizeRequest small2 = request("small-2.jpg", 2000);
    ResizeRequest large = request("large.jpg", ResizeConnection.MAX_CORKED_FRAME_BYTES + 1);
    ResizeRequest small3 = request("small-3.jpg", 3000);
    FakeBackend.start(vertx, (connection, received) -> FakeBackend.ok(received, FakeBackend.PNG))
      .compose(port -> vertx.createNetClient().connect(port, Topology.HOST))
      .compose(socket -> {
        ((NetSocketInternal) socket).channelHandlerContext().pipeline().addFirst(writes);
        ResizeConnection connection = ResizeConnection.over(vertx, socket, Frame.DEFAULT_MAX_BODY_SIZE,
          REQUEST_TIMEOUT_MILLIS);
        connection.cork();
        List<Future<?>> answers = List.of(connection.send(small1), connection.send(small2), connection.send(large),
          connection.send(small3));
        connection.uncork();
        return Future.all(answers);
      })
      .onComplete(test.succeeding(answered -> test.verify(() -> {
        assertThat(writes.sizes).containsExactly(frameBytes(small1) + frameBytes(small2), frameBytes(large),
          frameBytes(small3));
        test.completeNow();
      })));
  }
}
