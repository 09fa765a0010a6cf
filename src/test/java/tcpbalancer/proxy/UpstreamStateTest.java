package tcpbalancer.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.net.ConnectException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import tcpbalancer.proxy.UpstreamState.StateChange;

/** An upstream's listeners hear each change of its health, with the reason and the time, and each slot taken. */
class UpstreamStateTest {

  private static final int RISE = 2;
  private static final int FALL = 2;

  private final UpstreamState state = new UpstreamState(new Upstream("127.0.0.1", 7000, 1, 2));
  private final List<StateChange> changes = new ArrayList<>();
  private final List<Boolean> heldLock = new ArrayList<>();

  UpstreamStateTest() {
    state.onStateChange(change -> {
      heldLock.add(Thread.holdsLock(state));
      changes.add(change);
    });
  }

  @Test
  void connectFailuresInARowTakeItDownOnceNamingTheLastFailure() {
    Instant before = Instant.now();
    state.connectFailed(new ConnectException("connection timed out"), 2);
    assertThat(changes).as("one failure of two").isEmpty();
    assertThat(state.lastStateChange()).isEmpty();

    state.connectFailed(new ConnectException("connection timed out"), 2);
    state.connectFailed(new ConnectException("connection timed out"), 2);
    assertThat(changes).as("down once, not again while down").hasSize(1);
    StateChange down = changes.get(0);
    assertThat(down.address()).isEqualTo("127.0.0.1:7000");
    assertThat(down.up()).isFalse();
    assertThat(down.reason()).isEqualTo("2 connect failures in a row (last: connection timed out)");
    assertThat(down.at()).isBetween(before, Instant.now());
    assertThat(state.lastStateChange()).contains(down);
    assertThat(state.isUp()).isFalse();
    assertThat(heldLock).as("called outside the state's lock").containsOnly(false);
  }

  @Test
  void aRefusedConnectTakesItDownAtOnceFromAConnectionOrACheck() {
    state.connectFailed(new ConnectException("Connection refused: /127.0.0.1:7000"), 3);
    assertThat(state.isUp()).as("one refused connect of the 3 failures allowed").isFalse();
    assertThat(changes).extracting(StateChange::reason)
      .containsExactly("connect refused (Connection refused: /127.0.0.1:7000)");

    UpstreamState checked = new UpstreamState(new Upstream("127.0.0.1", 7001, 1, 0));
    assertThat(checked.checkFailed(new RuntimeException("check failed",
      new ConnectException("Connection refused: /127.0.0.1:7001")), 3)).isTrue();
    assertThat(checked.isUp()).isFalse();
  }

  @Test
  void checksTakeItDownAndBringItBack() {
    assertThat(state.checkFailed(new RuntimeException("no answer within 1000 ms"), FALL)).isFalse();
    assertThat(state.checkFailed(new RuntimeException("no answer within 1000 ms"), FALL)).isTrue();
    assertThat(state.checkFailed(new RuntimeException("no answer within 1000 ms"), FALL)).as("already down").isFalse();
    state.checkPassed(RISE);
    assertThat(changes).as("one passed check of two").hasSize(1);

    Instant before = Instant.now();
    state.checkPassed(RISE);
    state.checkPassed(RISE);
    assertThat(changes).extracting(StateChange::up, StateChange::reason).containsExactly(
      tuple(false, "2 health checks failed in a row (last: no answer within 1000 ms)"),
      tuple(true, "2 health checks passed in a row"));
    StateChange up = changes.get(1);
    assertThat(up.at()).isBetween(before, Instant.now());
    assertThat(state.lastStateChange()).contains(up);
    assertThat(state.isUp()).isTrue();
    assertThat(heldLock).containsOnly(false);
  }

  @Test
  void passedChecksWhileUpAndARemovedListenerHearNothing() {
    state.checkPassed(RISE);
    state.checkPassed(RISE);
    state.checkPassed(RISE);
    assertThat(changes).as("it was up all along").isEmpty();

    List<StateChange> removedHeard = new ArrayList<>();
    Consumer<StateChange> removed = removedHeard::add;
    state.onStateChange(removed);
    state.removeOnStateChange(removed);
    state.connectFailed(new ConnectException("Connection refused"), 1);
    assertThat(changes).hasSize(1);
    assertThat(removedHeard).isEmpty();
  }

  @Test
  void activeListenersHearEachSlotTakenAndGivenBackButNotARefusal() {
    List<Integer> active = new ArrayList<>();
    Consumer<UpstreamState> listener = upstream -> active.add(upstream.active());
    state.onActiveChange(listener);
    assertThat(state.tryReserve()).isTrue();
    assertThat(state.tryReserve()).isTrue();
    assertThat(state.tryReserve()).as("at its maxConns of 2").isFalse();
    state.release();
    state.release();
    assertThat(active).containsExactly(1, 2, 1, 0);

    state.removeOnActiveChange(listener);
    state.tryReserve();
    assertThat(active).hasSize(4);
  }
}
