package tcpbalancer.proxy;

import io.vertx.core.net.SocketAddress;
import java.util.List;

/** The original program's choice: uniformly at random (weighted when weights are set). */
final class RandomChoice implements BalancingStrategy {

  @Override
  public UpstreamState choose(List<UpstreamState> candidates, SocketAddress client) {
    return BalancingStrategy.weightedRandom(candidates);
  }
}
