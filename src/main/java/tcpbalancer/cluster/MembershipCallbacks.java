package tcpbalancer.cluster;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import java.util.function.Consumer;

/**
 * Hazelcast membership listeners made of two callbacks. Apart from {@link ClusterNode} so that loading ClusterNode
 * (which every backend and proxy does, clustered or not) does not load Hazelcast's listener interface: checking
 * that an anonymous class is a {@code MembershipListener} would load it.
 */
final class MembershipCallbacks {

  private MembershipCallbacks() {
  }

  static MembershipListener onChange(Consumer<MembershipEvent> added, Consumer<MembershipEvent> removed) {
    return new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        added.accept(event);
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        removed.accept(event);
      }
    };
  }
}
