package tcpbalancer.proxy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.function.Consumer;
import tcpbalancer.cluster.ClusterNode;
import tcpbalancer.config.ConfigException;

/**
 * Where a proxy's upstream list comes from, chosen once when its runtime starts: the config's list (which a
 * hot reload may replace) or, when the proxy runs clustered without one, the backends the cluster announces.
 */
interface UpstreamSource {

  /**
   * The source for {@code options}; fails when there is no list and Vert.x is not clustered. {@code onLeft} hears
   * of each upstream removed because it is gone for good (its cluster node left), whose connections are dead.
   */
  static UpstreamSource of(Vertx vertx, ProxyOptions options, Consumer<UpstreamState> onLeft) {
    if (!options.upstreams().isEmpty()) {
      return new StaticUpstreams(options.upstreams());
    }
    ClusterNode node = ClusterNode.of(vertx);
    if (node == null) {
      throw new ConfigException("config.upstreams: required, a list such as [\"127.0.0.1:9091\"], unless the proxy "
        + "runs clustered (-cluster), where it discovers the backends");
    }
    return new ClusterDiscovery(vertx, node, onLeft);
  }

  /** The list the proxy starts with. */
  List<Upstream> initial();

  /** Starts keeping {@code group} up to date; completes when it does. */
  Future<Void> start(UpstreamGroup group);

  void stop();

  /**
   * Applies the upstream list of a changed config; false when this source does not take lists from the config.
   * An unusable list is a {@link ConfigException}.
   */
  boolean reload(UpstreamGroup group, List<Upstream> changed);

  /** What the proxy balances over, for its start-up log line. */
  String describe(UpstreamGroup group);

  /** The config's list: fixed but for hot reloads. */
  final class StaticUpstreams implements UpstreamSource {

    private final List<Upstream> upstreams;

    StaticUpstreams(List<Upstream> upstreams) {
      this.upstreams = upstreams;
    }

    @Override
    public List<Upstream> initial() {
      return upstreams;
    }

    @Override
    public Future<Void> start(UpstreamGroup group) {
      return Future.succeededFuture();
    }

    @Override
    public void stop() {
    }

    @Override
    public boolean reload(UpstreamGroup group, List<Upstream> changed) {
      if (changed.isEmpty()) {
        throw new ConfigException("config.upstreams: the changed list is empty");
      }
      group.update(changed);
      return true;
    }

    @Override
    public String describe(UpstreamGroup group) {
      return group.upstreams().stream().map(u -> u.upstream().address()).toList().toString();
    }
  }
}
