package tcpbalancer.proxy;

import io.vertx.core.net.SocketAddress;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Smooth weighted round-robin (as nginx): with equal weights a plain rotation; with weights, each upstream's
 * share is spread evenly over time rather than in bursts. The running weights are this strategy's own; an
 * upstream removed by a reload drops out of them once nothing else refers to it.
 */
final class SmoothRoundRobin implements BalancingStrategy {

  private final Map<UpstreamState, double[]> currentWeights = new WeakHashMap<>();

  @Override
  public synchronized UpstreamState choose(List<UpstreamState> candidates, SocketAddress client) {
    double totalWeight = 0;
    UpstreamState best = null;
    double[] bestWeight = null;
    for (UpstreamState candidate : candidates) {
      double[] current = currentWeights.computeIfAbsent(candidate, c -> new double[1]);
      double weight = candidate.effectiveWeight();
      current[0] += weight;
      totalWeight += weight;
      if (best == null || current[0] > bestWeight[0]) {
        best = candidate;
        bestWeight = current;
      }
    }
    bestWeight[0] -= totalWeight;
    return best;
  }
}
