package tcpbalancer.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** {@code --loglevel 0} hides Hazelcast's warnings about a member that left; 1 shows them again. */
class LogLevelsTest {

  private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();

  @AfterEach
  void restore() {
    LogLevels.apply(LogLevels.QUIET); // the levels logback-test.xml sets, but for the loggers below
    LogLevels.MEMBER_LEFT_LOGGERS.forEach(name -> context.getLogger(name).setLevel(null));
  }

  @Test
  void quietRaisesTheMemberLeftLoggersToErrorAndVerboseLetsTheirInfoThrough() {
    LogLevels.apply(LogLevels.QUIET);
    assertThat(LogLevels.MEMBER_LEFT_LOGGERS).allSatisfy(name ->
      assertThat(context.getLogger(name).getEffectiveLevel()).as(name).isEqualTo(Level.ERROR));
    assertThat(context.getLogger("com.hazelcast.cp.CPSubsystem").getEffectiveLevel()).isNotEqualTo(Level.INFO);

    LogLevels.apply(LogLevels.VERBOSE);
    assertThat(LogLevels.MEMBER_LEFT_LOGGERS).allSatisfy(name ->
      assertThat(context.getLogger(name).getLevel()).as(name).isNull());
    assertThat(context.getLogger("tcpbalancer").getLevel()).isEqualTo(Level.DEBUG);
  }
}
