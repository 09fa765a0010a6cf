package tcpbalancer.proxy;

import java.util.function.Supplier;
import tcpbalancer.config.EnumNames;

/** The balancing strategies a config can name ({@code strategy}), each making a {@link BalancingStrategy}. */
public enum Strategy {
  ROUND_ROBIN(SmoothRoundRobin::new),
  RANDOM(RandomChoice::new),
  LEAST_CONNECTIONS(LeastConnections::new),
  POWER_OF_TWO_CHOICES(PowerOfTwoChoices::new),
  SOURCE(SourceHash::new);

  private final Supplier<BalancingStrategy> factory;

  Strategy(Supplier<BalancingStrategy> factory) {
    this.factory = factory;
  }

  /** A new strategy with state of its own: one per proxy. */
  public BalancingStrategy create() {
    return factory.get();
  }

  /** The name a config writes ({@code least-connections}), as logs show it too. */
  @Override
  public String toString() {
    return EnumNames.of(this);
  }
}
