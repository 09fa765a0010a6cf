package tcpbalancer.proxy;

import io.vertx.core.net.SocketAddress;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks the upstream for a new connection among the candidates (healthy, below their limit, not yet tried for
 * this connection). One instance per proxy, called from several event loops at once: implementations are
 * thread-safe, and a strategy that needs memory between choices keeps it itself. Weights are the upstreams'
 * {@link UpstreamState#effectiveWeight() effective} ones, which slow start lowers for a while.
 */
public interface BalancingStrategy {

  /**
   * @param candidates never empty
   * @param client     the client's address, for strategies that keep a client on one upstream; may be null
   */
  UpstreamState choose(List<UpstreamState> candidates, SocketAddress client);

  /** A random candidate, each with a chance proportional to its effective weight. */
  static UpstreamState weightedRandom(List<UpstreamState> candidates) {
    double totalWeight = 0;
    for (UpstreamState candidate : candidates) {
      totalWeight += candidate.effectiveWeight();
    }
    double ticket = ThreadLocalRandom.current().nextDouble(totalWeight);
    for (UpstreamState candidate : candidates) {
      ticket -= candidate.effectiveWeight();
      if (ticket < 0) {
        return candidate;
      }
    }
    return candidates.get(candidates.size() - 1);
  }
}
