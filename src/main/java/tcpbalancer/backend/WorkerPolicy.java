package tcpbalancer.backend;

/**
 * Which resize workers a backend sends its work to, when the cluster has workers on other nodes too. Written in
 * configs as {@link tcpbalancer.config.EnumNames} says: {@code prefer-local}, {@code spread}, {@code local}.
 */
public enum WorkerPolicy {
  /** This node's workers while one is idle, else any worker of the cluster (the default). */
  PREFER_LOCAL,
  /** Any worker of the cluster, in turn: image bytes cross the network for most requests. */
  SPREAD,
  /** This node's workers only. */
  LOCAL
}
