package tcpbalancer.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A frame's budget bytes: handed to its request when complete, all given back when it is dropped. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class FrameBytesTest {

  @Test
  void aFrameDroppedWhileItWaitsWithdrawsAndTheNextConnectionGetsTheBytes(Vertx vertx, VertxTestContext test) {
    ByteBudget budget = new ByteBudget(vertx, 100);
    budget.reserve(100);
    FrameBytes dropped = new FrameBytes(budget);
    Future<Void> never = dropped.reserve(70);
    Future<Void> next = new FrameBytes(budget).reserve(70);
    dropped.drop();
    budget.release(100);
    next.onComplete(test.succeeding(v -> test.verify(() -> {
      assertThat(budget.held()).isEqualTo(70);
      assertThat(never.isComplete()).isFalse();
      test.completeNow();
    })));
  }

  /** The budget granted the reservation, but its completion had not reached the connection yet when it dropped. */
  @Test
  void aFrameDroppedBetweenItsGrantAndItsCompletionGivesTheBytesBack(Vertx vertx, VertxTestContext test) {
    ByteBudget budget = new ByteBudget(vertx, 100);
    budget.reserve(100);
    vertx.runOnContext(start -> {
      FrameBytes frame = new FrameBytes(budget);
      Future<Void> reserved = frame.reserve(70);
      budget.release(100); // grants it: the completion is queued on this context, behind this task
      frame.drop();
      test.verify(() -> assertThat(budget.held()).isZero());
      vertx.runOnContext(after -> test.verify(() -> {
        assertThat(reserved.isComplete()).as("a dropped frame is never granted").isFalse();
        assertThat(budget.held()).isZero();
        test.completeNow();
      }));
    });
  }

  @Test
  void aCompleteFrameHandsItsBytesToTheRequestAndADropGivesNothingBackTwice(Vertx vertx) {
    ByteBudget budget = new ByteBudget(vertx, 100);
    FrameBytes frame = new FrameBytes(budget);
    assertThat(frame.reserve(40).succeeded()).isTrue();
    assertThat(frame.handOver()).isEqualTo(40);
    frame.drop();
    assertThat(budget.held()).as("the request's 40 bytes are its own to give back").isEqualTo(40);
  }
}
