package tcpbalancer.proxy;

import io.vertx.core.net.SocketAddress;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** The candidate with the fewest active connections per unit of weight; ties are broken at random. */
final class LeastConnections implements BalancingStrategy {

  @Override
  public UpstreamState choose(List<UpstreamState> candidates, SocketAddress client) {
    UpstreamState best = null;
    int ties = 0;
    for (UpstreamState candidate : candidates) {
      int order = best == null ? -1 : Double.compare(candidate.load(), best.load());
      if (order < 0) {
        best = candidate;
        ties = 1;
      } else if (order == 0 && ThreadLocalRandom.current().nextInt(++ties) == 0) {
        best = candidate; // reservoir sampling: each tied candidate equally likely
      }
    }
    return best;
  }
}
