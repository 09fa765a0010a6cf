package tcpbalancer.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The limiter's listeners hear each change of its active and waiting counts, and nothing else. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class ConnectionLimiterTest {

  /** What a listener saw at each call: active and waiting connections. */
  private record Counts(int active, int waiting) {
  }

  @Test
  void listenersHearSlotsTakenQueuedAndGivenBackButNotARefusalAtTheDoor(Vertx vertx, VertxTestContext test) {
    ConnectionLimiter limiter = new ConnectionLimiter(vertx, 1, 1, 30_000);
    List<Counts> heard = listen(limiter);
    vertx.runOnContext(start -> {
      Future<Void> first = limiter.acquire();
      Future<Void> second = limiter.acquire();
      Future<Void> third = limiter.acquire();
      test.verify(() -> {
        assertThat(first.succeeded()).isTrue();
        assertThat(third.failed()).as("the queue of one is full").isTrue();
        assertThat(limiter.refused()).isEqualTo(1);
        assertThat(heard).containsExactly(new Counts(1, 0), new Counts(1, 1));
      });
      limiter.release();
      second.onComplete(test.succeeding(v -> test.verify(() -> {
        assertThat(heard).containsExactly(new Counts(1, 0), new Counts(1, 1), new Counts(0, 0), new Counts(1, 0));
        test.completeNow();
      })));
    });
  }

  @Test
  void aConnectionThatTimesOutInTheQueueIsHeardLeavingIt(Vertx vertx, VertxTestContext test) {
    ConnectionLimiter limiter = new ConnectionLimiter(vertx, 1, 1, 100);
    List<Counts> heard = listen(limiter);
    vertx.runOnContext(start -> {
      limiter.acquire();
      limiter.acquire().onComplete(test.failing(e -> test.verify(() -> {
        assertThat(e).isInstanceOf(ConnectionLimiter.LimitException.class);
        assertThat(limiter.refused()).as("a timeout in the queue is a refusal").isEqualTo(1);
        assertThat(heard).containsExactly(new Counts(1, 0), new Counts(1, 1), new Counts(1, 0));
        test.completeNow();
      })));
    });
  }

  @Test
  void aRemovedListenerHearsNothing(Vertx vertx, VertxTestContext test) {
    ConnectionLimiter limiter = new ConnectionLimiter(vertx, 1, 1, 30_000);
    List<Counts> heard = new CopyOnWriteArrayList<>();
    Runnable listener = () -> heard.add(new Counts(limiter.active(), limiter.waiting()));
    limiter.onChange(listener);
    limiter.removeOnChange(listener);
    vertx.runOnContext(start -> limiter.acquire().onComplete(test.succeeding(v -> test.verify(() -> {
      limiter.release();
      assertThat(heard).isEmpty();
      test.completeNow();
    }))));
  }

  private static List<Counts> listen(ConnectionLimiter limiter) {
    List<Counts> heard = new CopyOnWriteArrayList<>();
    limiter.onChange(() -> heard.add(new Counts(limiter.active(), limiter.waiting())));
    return heard;
  }
}
