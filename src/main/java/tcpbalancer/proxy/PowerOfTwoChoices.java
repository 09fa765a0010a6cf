package tcpbalancer.proxy;

import io.vertx.core.net.SocketAddress;
import java.util.List;

/** Two weighted random picks; the one with fewer active connections per unit of weight wins. */
final class PowerOfTwoChoices implements BalancingStrategy {

  @Override
  public UpstreamState choose(List<UpstreamState> candidates, SocketAddress client) {
    UpstreamState first = BalancingStrategy.weightedRandom(candidates);
    if (candidates.size() == 1) {
      return first;
    }
    UpstreamState second = first;
    for (int tries = 0; second == first && tries < 8; tries++) {
      second = BalancingStrategy.weightedRandom(candidates);
    }
    return second.load() < first.load() ? second : first;
  }
}
