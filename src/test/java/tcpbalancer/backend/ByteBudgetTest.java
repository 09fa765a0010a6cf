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

/** The byte budget's waiters: granted in order, and a waiter that withdraws neither takes bytes nor blocks. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class ByteBudgetTest {

  @Test
  void aWaiterWithdrawnBeforeItsGrantNeverTakesBytesAndTheNextWaiterGetsThem(Vertx vertx, VertxTestContext test) {
    ByteBudget budget = new ByteBudget(vertx, 100);
    assertThat(budget.reserve(100).succeeded()).isTrue();
    Future<Void> withdrawn = budget.reserve(60);
    Future<Void> next = budget.reserve(60);
    assertThat(budget.withdraw(withdrawn)).isTrue();
    assertThat(budget.waiting()).isEqualTo(1);
    budget.release(100);
    // Had the withdrawn waiter taken its 60 bytes, the next one's 60 would not fit and it would never complete.
    next.onComplete(test.succeeding(v -> test.verify(() -> {
      assertThat(budget.held()).isEqualTo(60);
      assertThat(budget.waiting()).isZero();
      assertThat(withdrawn.isComplete()).isFalse();
      test.completeNow();
    })));
  }

  @Test
  void withdrawingTheOldestWaiterGrantsTheOnesBehindItThatNowFit(Vertx vertx, VertxTestContext test) {
    ByteBudget budget = new ByteBudget(vertx, 100);
    budget.reserve(50);
    Future<Void> large = budget.reserve(80);
    Future<Void> small = budget.reserve(30); // fits, but waits behind the large one: FIFO
    assertThat(small.isComplete()).isFalse();
    budget.withdraw(large);
    small.onComplete(test.succeeding(v -> test.verify(() -> {
      assertThat(budget.held()).isEqualTo(80);
      test.completeNow();
    })));
  }

  @Test
  void aGrantedReservationCannotBeWithdrawnItsBytesAreTheCallersToGiveBack(Vertx vertx) {
    ByteBudget budget = new ByteBudget(vertx, 100);
    budget.reserve(100);
    Future<Void> waiting = budget.reserve(10);
    budget.release(100); // grants it: its future completes later, on its context
    assertThat(budget.withdraw(waiting)).isFalse();
    assertThat(budget.held()).isEqualTo(10);
    budget.release(10);
    assertThat(budget.held()).isZero();
  }
}
