package tcpbalancer.launcher;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Maps the original program's {@code --loglevel} onto Logback levels. */
final class LogLevels {

  static final int QUIET = 0;
  static final int VERBOSE = 1;

  private LogLevels() {
  }

  /** 0: our start-up lines, warnings and errors. 1: every connection and request, and the libraries' info. */
  static void apply(int loglevel) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return; // another SLF4J binding was put first on the class path: leave its configuration alone
    }
    boolean verbose = loglevel >= VERBOSE;
    context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(verbose ? Level.INFO : Level.WARN);
    context.getLogger("tcpbalancer").setLevel(verbose ? Level.DEBUG : Level.INFO);
  }
}
