package tcpbalancer.launcher;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Maps the original program's {@code --loglevel} onto Logback levels. */
final class LogLevels {

  static final int QUIET = 0;
  static final int VERBOSE = 1;
  /**
   * The Hazelcast loggers that say, in many WARN lines, that a member left or died (connection refused, member
   * suspected, heartbeats missing, partition migrations failed). At level 0 our one line says it instead
   * (tcpbalancer.cluster.ClusterNode); their errors still show.
   */
  static final List<String> MEMBER_LEFT_LOGGERS = List.of(
    "com.hazelcast.internal.cluster.impl.MembershipManager",
    "com.hazelcast.internal.cluster.impl.ClusterHeartbeatManager",
    "com.hazelcast.internal.server.tcp.TcpServerConnection",
    "com.hazelcast.internal.server.tcp.TcpServerConnectionErrorHandler",
    "com.hazelcast.internal.partition.impl.MigrationManager");

  private LogLevels() {
  }

  /**
   * 0: our start-up lines, warnings and errors, and the libraries' warnings but Hazelcast's about a member that left.
   * 1: every connection and request, and the libraries' info.
   */
  static void apply(int loglevel) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return; // another SLF4J binding was put first on the class path: leave its configuration alone
    }
    boolean verbose = loglevel >= VERBOSE;
    context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(verbose ? Level.INFO : Level.WARN);
    context.getLogger("tcpbalancer").setLevel(verbose ? Level.DEBUG : Level.INFO);
    for (String name : MEMBER_LEFT_LOGGERS) {
      context.getLogger(name).setLevel(verbose ? null : Level.ERROR); // null: as their parent, so INFO
    }
  }
}
