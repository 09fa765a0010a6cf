package tcpbalancer.backend;

import java.util.Locale;

/** Which resize workers a backend sends its work to, when the cluster has workers on other nodes too. */
public enum WorkerPolicy {
  /** This node's workers while one is idle, else any worker of the cluster (the default). */
  PREFER_LOCAL,
  /** Any worker of the cluster, in turn: image bytes cross the network for most requests. */
  SPREAD,
  /** This node's workers only. */
  LOCAL;

  public String configName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static WorkerPolicy fromConfigName(String name) {
    for (WorkerPolicy policy : values()) {
      if (policy.configName().equals(name)) {
        return policy;
      }
    }
    throw new IllegalArgumentException("must be prefer-local, spread or local");
  }
}
