package tcpbalancer.proxy;

import java.util.List;

/** The original program's choice: uniformly at random (weighted when weights are set). */
final class RandomChoice implements BalancingStrategy {

  @Override
  public UpstreamState choose(List<UpstreamState> candidates) {
    return BalancingStrategy.weightedRandom(candidates);
  }
}
