package tcpbalancer.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.vertx.core.Future;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the tests that wait for log lines rely on: which line each future takes, and the field parser. */
class LogLinesTest {

  private static final Logger log = LoggerFactory.getLogger(LogLinesTest.class);

  @Test
  void anyTakesALineWrittenAlreadyNextOnlyALaterOne() throws InterruptedException {
    try (LogLines lines = LogLines.of(LogLinesTest.class)) {
      log.info("event one");
      Future<String> next = lines.next("event");
      assertThat(lines.any("event").result()).isEqualTo("event one");
      assertThat(next.isComplete()).as("next waits for a line written after it was asked for").isFalse();
      log.info("event two");
      assertThat(next.result()).isEqualTo("event two");
      assertThat(lines.awaitFirst()).isEqualTo("event one");
      assertThat(lines.awaitAny("two")).isEqualTo("event two");
      assertThat(lines.lines()).containsExactly("event one", "event two");
    }
  }

  @Test
  void aClosedCaptureSeesNothingMore() {
    LogLines lines = LogLines.of(LogLinesTest.class);
    lines.close();
    log.info("after the close");
    assertThat(lines.lines()).isEmpty();
  }

  @Test
  void fieldsAreTheKeyValuePairsOfALineInTheirOrder() {
    assertThat(LogLines.fields("proxy=p client=127.0.0.1:5 upstream=- end=client-closed"))
      .containsExactly(entry("proxy", "p"), entry("client", "127.0.0.1:5"), entry("upstream", "-"),
        entry("end", "client-closed"));
    assertThatThrownBy(() -> LogLines.fields("proxy=p not-a-field"))
      .hasMessage("'not-a-field' is not a key=value field, in line: proxy=p not-a-field");
  }
}
