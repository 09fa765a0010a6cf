package tcpbalancer.proxy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * The lines one logger writes, as a test sees them, in order: attach before the events, {@link #next()} waits
 * for the next line, {@link #close()} detaches.
 */
final class LogLines extends AppenderBase<ILoggingEvent> implements AutoCloseable {

  private final Logger logger;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

  LogLines(String loggerName) {
    logger = (Logger) LoggerFactory.getLogger(loggerName);
    start();
    logger.addAppender(this);
  }

  /** The proxy's access log. */
  static LogLines accessLog() {
    return new LogLines(AccessEntry.LOGGER);
  }

  @Override
  protected void append(ILoggingEvent event) {
    lines.add(event.getFormattedMessage());
  }

  /** The next line; fails if none comes within 20 s. */
  String next() throws InterruptedException {
    String line = lines.poll(20, TimeUnit.SECONDS);
    if (line == null) {
      throw new AssertionError("logger " + logger.getName() + " wrote no line within 20 s");
    }
    return line;
  }

  /** The next line that contains {@code text}, skipping the others; fails if none comes within 20 s. */
  String next(String text) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    for (String line; (line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) != null; ) {
      if (line.contains(text)) {
        return line;
      }
    }
    throw new AssertionError("logger " + logger.getName() + " wrote no line with '" + text + "' within 20 s");
  }

  /** The next line of {@code key=value} fields (the access log's text format). */
  Map<String, String> nextFields() throws InterruptedException {
    return fields(next());
  }

  /** The next line of fields that contains {@code text}. */
  Map<String, String> nextFields(String text) throws InterruptedException {
    return fields(next(text));
  }

  private static Map<String, String> fields(String line) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (String field : line.split(" ")) {
      int equals = field.indexOf('=');
      fields.put(field.substring(0, equals), field.substring(equals + 1));
    }
    return fields;
  }

  @Override
  public void close() {
    logger.detachAppender(this);
    stop();
  }
}
