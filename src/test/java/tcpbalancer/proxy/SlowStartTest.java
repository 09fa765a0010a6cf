package tcpbalancer.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An upstream that comes back up, joins, or leaves maintenance gets its weight in a ramp over
 * {@code slowStartMillis}, and every strategy gives it that share; time is a fake clock moved by the test.
 */
class SlowStartTest {

  private static final long RAMP_MILLIS = 10_000;

  private final AtomicLong clock = new AtomicLong(1_000_000);
  private final SlowStart slowStart = new SlowStart(RAMP_MILLIS, clock::get);

  @Test
  void anUpstreamThatComesBackUpRampsFromAFewPercentToItsFullWeight() {
    UpstreamState state = new UpstreamState(new Upstream("127.0.0.1", 7000, 4, 0), slowStart, false);
    assertThat(state.effectiveWeight()).as("one it starts with has its weight at once").isEqualTo(4);

    state.checkFailed(new RuntimeException("no answer"), 1);
    state.checkPassed(1);
    assertThat(state.effectiveWeight()).isEqualTo(4 * SlowStart.FIRST_SHARE);
    clock.addAndGet(RAMP_MILLIS / 4);
    assertThat(state.effectiveWeight()).isCloseTo(1, within(1e-9));
    clock.addAndGet(RAMP_MILLIS / 4);
    assertThat(state.effectiveWeight()).isCloseTo(2, within(1e-9));
    clock.addAndGet(RAMP_MILLIS / 2);
    assertThat(state.effectiveWeight()).isEqualTo(4);
    clock.addAndGet(RAMP_MILLIS);
    assertThat(state.effectiveWeight()).isEqualTo(4);
  }

  @Test
  void anUpstreamThatJoinsOrLeavesMaintenanceRampsToo() {
    UpstreamGroup group = new UpstreamGroup("p", Strategy.ROUND_ROBIN.create(), slowStart,
      List.of(new Upstream("127.0.0.1", 7000, 1, 0)));
    UpstreamState first = group.upstreams().get(0);
    group.update(List.of(first.upstream(), new Upstream("127.0.0.1", 7001, 1, 0)));
    UpstreamState joined = group.upstreams().get(1);
    assertThat(first.effectiveWeight()).isEqualTo(1);
    assertThat(joined.effectiveWeight()).isEqualTo(SlowStart.FIRST_SHARE);

    clock.addAndGet(RAMP_MILLIS);
    first.setAdminState(AdminState.MAINT);
    first.setAdminState(AdminState.READY);
    assertThat(joined.effectiveWeight()).isEqualTo(1);
    assertThat(first.effectiveWeight()).isEqualTo(SlowStart.FIRST_SHARE);
  }

  @Test
  void offItChangesNothing() {
    UpstreamState state = new UpstreamState(new Upstream("127.0.0.1", 7000, 3, 0), SlowStart.of(0), true);
    state.checkFailed(new RuntimeException("no answer"), 1);
    state.checkPassed(1);
    assertThat(state.effectiveWeight()).isEqualTo(3);
  }

  /** At a quarter of the ramp a returning upstream of equal weight gets a fifth of the connections (1 : 4). */
  @ParameterizedTest
  @EnumSource(value = Strategy.class, names = {"ROUND_ROBIN", "RANDOM", "SOURCE"})
  void everyWeightedStrategyGivesItItsRampedShare(Strategy strategy) {
    UpstreamGroup group = new UpstreamGroup("p", strategy.create(), slowStart, List.of(
      new Upstream("127.0.0.1", 7000, 1, 0), new Upstream("127.0.0.1", 7001, 1, 0)));
    UpstreamState back = group.upstreams().get(1);
    back.checkFailed(new RuntimeException("no answer"), 1);
    back.checkPassed(1);
    clock.addAndGet(RAMP_MILLIS / 4);

    int connections = 20_000;
    int toBack = 0;
    for (int i = 0; i < connections; i++) {
      SocketAddress client = SocketAddress.inetSocketAddress(40_000, "10.1." + (i >> 8 & 255) + "." + (i & 255));
      UpstreamState chosen = group.reserve(Set.of(), client);
      chosen.release(); // each connection ends at once: only the weights decide, not the load
      toBack += chosen == back ? 1 : 0;
    }
    assertThat(toBack / (double) connections).as(strategy.toString()).isCloseTo(0.2, within(0.02));
  }

  /**
   * The load-aware strategies count connections against the ramped weight: at half its weight, the returning
   * upstream ends up holding half as many connections as the other.
   */
  @ParameterizedTest
  @EnumSource(value = Strategy.class, names = {"LEAST_CONNECTIONS", "POWER_OF_TWO_CHOICES"})
  void loadAwareStrategiesCountConnectionsAgainstTheRampedWeight(Strategy strategy) {
    UpstreamGroup group = new UpstreamGroup("p", strategy.create(), slowStart, List.of(
      new Upstream("127.0.0.1", 7000, 1, 0), new Upstream("127.0.0.1", 7001, 1, 0)));
    UpstreamState back = group.upstreams().get(1);
    back.checkFailed(new RuntimeException("no answer"), 1);
    back.checkPassed(1);
    clock.addAndGet(RAMP_MILLIS / 2);

    List<UpstreamState> held = new ArrayList<>();
    IntStream.range(0, 300).forEach(i -> held.add(group.reserve(Set.of(), null)));
    assertThat(held).hasSize(300);
    assertThat(back.active()).as(strategy.toString()).isBetween(99, 101);
    assertThat(group.upstreams().get(0).active()).isBetween(199, 201);
  }
}
