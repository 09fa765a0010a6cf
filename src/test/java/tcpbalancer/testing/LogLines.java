package tcpbalancer.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.slf4j.LoggerFactory;

/**
 * The lines one logger writes while a test runs, and a future for the first one that says something: a test
 * waits for the log line that reports an event instead of polling for its effect. Close it to detach.
 */
public final class LogLines implements AutoCloseable {

  private static final long AWAIT_SECONDS = 20;

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

  /**
   * The fields of a line of {@code key=value} fields separated by single spaces (the proxy's text access log),
   * in their order.
   */
  public static Map<String, String> fields(String line) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (String field : line.split(" ")) {
      int equals = field.indexOf('=');
      if (equals < 1) {
        throw new AssertionError("'" + field + "' is not a key=value field, in line: " + line);
      }
      fields.put(field.substring(0, equals), field.substring(equals + 1));
    }
    return fields;
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

  /** The first line since the capture began, written already or from now on. */
  public Future<String> first() {
    return any("");
  }

  /**
   * Blocks a test's own thread (never an event loop) until {@link #any(String)} has a line, and fails saying what
   * it waited for if none comes within 20 s.
   */
  public String awaitAny(String text) throws InterruptedException {
    try {
      return any(text).toCompletionStage().toCompletableFuture().get(AWAIT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("logger " + logger.getName() + " wrote no line with '" + text + "' within "
        + AWAIT_SECONDS + " s; it wrote " + lines());
    } catch (ExecutionException e) {
      throw new AssertionError("a line's future never fails", e.getCause());
    }
  }

  /** Like {@link #awaitAny(String)}, for the first line since the capture began. */
  public String awaitFirst() throws InterruptedException {
    return awaitAny("");
  }

  public synchronized List<String> lines() {
    return List.copyOf(lines);
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    appender.stop();
  }
}
