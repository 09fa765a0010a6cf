package tcpbalancer.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/** A member that leaves the cluster is one WARN line of ours on each member that remains. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterMemberLeftLogTest {

  private final ClusterNodes cluster = new ClusterNodes(5891, 3);
  private final Logger nodeLogger = (Logger) LoggerFactory.getLogger(ClusterNode.class);
  private final List<ILoggingEvent> lines = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Void> twoLines = new CompletableFuture<>();
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>() {
    @Override
    protected void append(ILoggingEvent event) {
      lines.add(event);
      if (lines.size() == 2) {
        twoLines.complete(null);
      }
    }
  };

  @BeforeEach
  void capture() {
    appender.start();
    nodeLogger.addAppender(appender);
  }

  @AfterEach
  void stop() {
    nodeLogger.detachAppender(appender);
    cluster.close();
  }

  @Test
  void aMemberThatDiesIsOneLineNamingItAndTheMembersThatRemain() throws Exception {
    ClusterNodes.Node first = cluster.start();
    ClusterNodes.Node second = cluster.start();
    ClusterNodes.Node third = cluster.start();
    String thirdAddress = address(third);
    String thirdNodeId = third.clusterManager().getNodeId();

    third.clusterManager().getHazelcastInstance().getLifecycleService().terminate();
    twoLines.get(60, TimeUnit.SECONDS);

    String expected = "Cluster member " + thirdAddress + " (node " + thirdNodeId + ") left; 2 members remain: ";
    assertThat(lines).hasSize(2).allSatisfy(line -> {
      assertThat(line.getLevel()).isEqualTo(Level.WARN);
      assertThat(line.getFormattedMessage()).startsWith(expected).doesNotContain("\n");
      assertThat(line.getFormattedMessage().substring(expected.length()).split(", "))
        .containsExactlyInAnyOrder(address(first), address(second));
    });
  }

  private static String address(ClusterNodes.Node node) {
    var address = node.clusterManager().getHazelcastInstance().getCluster().getLocalMember().getAddress();
    return address.getHost() + ":" + address.getPort();
  }
}
