package tcpbalancer.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LocalWorkersTest {

  private static final long NO_TIMEOUT = 60_000;

  @Test
  void idleWorkersAreTakenAtOnceThenRequestsWaitInOrderForTheFirstGivenBack(Vertx vertx, VertxTestContext test) {
    LocalWorkers workers = new LocalWorkers(vertx);
    workers.workerStarted("a");
    workers.workerStarted("b");
    Context context = vertx.getOrCreateContext();
    context.runOnContext(v -> {
      Future<String> first = workers.take(NO_TIMEOUT);
      Future<String> second = workers.take(NO_TIMEOUT);
      Future<String> third = workers.take(NO_TIMEOUT);
      Future<String> fourth = workers.take(NO_TIMEOUT);
      test.verify(() -> {
        assertThat(first.result()).isEqualTo("a");
        assertThat(second.result()).isEqualTo("b");
        assertThat(third.isComplete()).as("every worker is busy").isFalse();
      });
      List<String> order = new ArrayList<>();
      third.onSuccess(address -> order.add("third:" + address));
      fourth.onSuccess(address -> order.add("fourth:" + address));
      workers.release("b");
      workers.release("a");
      Future.all(third, fourth).onComplete(test.succeeding(all -> test.verify(() -> {
        assertThat(order).containsExactly("third:b", "fourth:a");
        assertThat(workers.tryTake()).as("both were handed on, none left idle").isNull();
        test.completeNow();
      })));
    });
  }

  @Test
  void aRequestThatWaitsTooLongTimesOutAndTheWorkerStaysAvailable(Vertx vertx, VertxTestContext test) {
    LocalWorkers workers = new LocalWorkers(vertx);
    workers.workerStarted("a");
    Context context = vertx.getOrCreateContext();
    context.runOnContext(v -> {
      test.verify(() -> assertThat(workers.tryTake()).isEqualTo("a"));
      workers.take(50).onComplete(test.failing(failure -> test.verify(() -> {
        assertThat(failure).isInstanceOf(ReplyException.class);
        assertThat(((ReplyException) failure).failureType()).isEqualTo(ReplyFailure.TIMEOUT);
        workers.release("a");
        assertThat(workers.tryTake()).as("the worker went back to the idle ones").isEqualTo("a");
        test.completeNow();
      })));
    });
  }

  @Test
  void withoutAnyWorkerATakeFailsAtOnce(Vertx vertx, VertxTestContext test) {
    LocalWorkers workers = new LocalWorkers(vertx);
    Context context = vertx.getOrCreateContext();
    context.runOnContext(v -> workers.take(NO_TIMEOUT).onComplete(test.failing(failure -> test.verify(() -> {
      assertThat(((ReplyException) failure).failureType()).isEqualTo(ReplyFailure.NO_HANDLERS);
      test.completeNow();
    }))));
  }

  @Test
  void whenTheLastWorkerStopsTheWaitingRequestsFailAndItIsNotHandedOutAgain(Vertx vertx, VertxTestContext test) {
    LocalWorkers workers = new LocalWorkers(vertx);
    workers.workerStarted("a");
    Context context = vertx.getOrCreateContext();
    context.runOnContext(v -> {
      test.verify(() -> assertThat(workers.tryTake()).isEqualTo("a"));
      Future<String> waiting = workers.take(NO_TIMEOUT);
      workers.workerStopped("a");
      waiting.onComplete(test.failing(failure -> test.verify(() -> {
        assertThat(((ReplyException) failure).failureType()).isEqualTo(ReplyFailure.NO_HANDLERS);
        workers.release("a");
        assertThat(workers.tryTake()).as("a stopped worker is not idle").isNull();
        test.completeNow();
      })));
    });
  }
}
