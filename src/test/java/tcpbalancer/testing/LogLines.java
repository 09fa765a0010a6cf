package tcpbalancer.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.slf4j.LoggerFactory;

/**
 * The lines one logger writes while a test runs, and a future for the first one that says something: a test
 * waits for the log line that reports an event instead of polling for its effect. Close it to detach.
 */
public final class LogLines implements AutoCloseable {

  private final Logger logger;
  private final List<String> lines = new ArrayList<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private final AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
    @Override
    protected void append(ILoggingEvent event) {
      added(event.getFormattedMessage());
    }
  };

  private record Waiter(Predicate<String> wanted, Promise<String> found) {
  }

  private LogLines(String name) {
    logger = (Logger) LoggerFactory.getLogger(name);
    appender.start();
    logger.addAppender(appender);
  }

  /** Captures what {@code source}'s logger writes from now on. */
  public static LogLines of(Class<?> source) {
    return new LogLines(source.getName());
  }

  /** Captures what the logger called {@code name} writes from now on. */
  public static LogLines of(String name) {
    return new LogLines(name);
  }

  private synchronized void added(String line) {
    lines.add(line);
    waiters.removeIf(waiter -> waiter.wanted.test(line) && waiter.found.tryComplete(line));
  }

  /** The first line, from now on, that contains {@code text}. */
  public synchronized Future<String> next(String text) {
    Promise<String> found = Promise.promise();
    waiters.add(new Waiter(line -> line.contains(text), found));
    return found.future();
  }

  /** The first line, written already or from now on, that contains {@code text}. */
  public synchronized Future<String> any(String text) {
    return lines.stream().filter(line -> line.contains(text)).findFirst().map(Future::succeededFuture)
      .orElseGet(() -> next(text));
  }

  public synchronized List<String> lines() {
    return List.copyOf(lines);
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
  }
}
