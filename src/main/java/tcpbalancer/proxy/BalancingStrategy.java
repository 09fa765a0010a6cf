package tcpbalancer.proxy;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks the upstream for a new connection among the candidates (healthy, below their limit, not yet tried for
 * this connection). Called from several event loops at once: implementations are thread-safe.
 */
public interface BalancingStrategy {

  /** @param candidates never empty */
  UpstreamState choose(List<UpstreamState> candidates);

  /** The strategy a config names: {@code round-robin}, {@code random}, {@code least-connections} or {@code power-of-two-choices}. */
  static BalancingStrategy named(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "round-robin" -> new RoundRobin();
      case "random" -> new RandomChoice();
      case "least-connections" -> new LeastConnections();
      case "power-of-two-choices" -> new PowerOfTwoChoices();
      default -> throw new IllegalArgumentException(
        "unknown strategy (known: round-robin, random, least-connections, power-of-two-choices)");
    };
  }

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

  /**
   * Smooth weighted round-robin (as nginx): with equal weights a plain rotation; with weights, each upstream's
   * share is spread evenly over time rather than in bursts.
   */
  final class RoundRobin implements BalancingStrategy {
    @Override
    public synchronized UpstreamState choose(List<UpstreamState> candidates) {
      int totalWeight = 0;
      UpstreamState best = null;
      for (UpstreamState candidate : candidates) {
        candidate.currentWeight += candidate.upstream().weight();
        totalWeight += candidate.upstream().weight();
        if (best == null || candidate.currentWeight > best.currentWeight) {
          best = candidate;
        }
      }
      best.currentWeight -= totalWeight;
      return best;
    }
  }

  /** The original program's choice: uniformly at random (weighted when weights are set). */
  final class RandomChoice implements BalancingStrategy {
    @Override
    public UpstreamState choose(List<UpstreamState> candidates) {
      return weightedRandom(candidates);
    }
  }

  /** The candidate with the fewest active connections per unit of weight; ties are broken at random. */
  final class LeastConnections implements BalancingStrategy {
    @Override
    public UpstreamState choose(List<UpstreamState> candidates) {
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

  /** Two weighted random picks; the one with fewer active connections per unit of weight wins. */
  final class PowerOfTwoChoices implements BalancingStrategy {
    @Override
    public UpstreamState choose(List<UpstreamState> candidates) {
      UpstreamState first = weightedRandom(candidates);
      if (candidates.size() == 1) {
        return first;
      }
      UpstreamState second = first;
      for (int tries = 0; second == first && tries < 8; tries++) {
        second = weightedRandom(candidates);
      }
      return second.load() < first.load() ? second : first;
    }
  }
}
