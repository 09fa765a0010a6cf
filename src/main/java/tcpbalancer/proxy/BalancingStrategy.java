package tcpbalancer.proxy;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks the upstream for a new connection among the candidates (healthy, below their limit, not yet tried for
 * this connection). One instance per proxy, called from several event loops at once: implementations are
 * thread-safe, and a strategy that needs memory between choices keeps it itself.
 */
public interface BalancingStrategy {

  /** @param candidates never empty */
  UpstreamState choose(List<UpstreamState> candidates);

  /** A random candidate, each with a chance proportional to its weight. */
  static UpstreamState weightedRandom(List<UpstreamState> candidates) {
    int totalWeight = 0;
    for (UpstreamState candidate : candidates) {
      totalWeight += candidate.upstream().weight();
    }
    int ticket = ThreadLocalRandom.current().nextInt(totalWeight);
    for (UpstreamState candidate : candidates) {
      ticket -= candidate.upstream().weight();
      if (ticket < 0) {
        return candidate;
      }
    }
    return candidates.get(candidates.size() - 1);
  }
}
