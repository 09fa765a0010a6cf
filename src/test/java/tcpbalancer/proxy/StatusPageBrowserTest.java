package tcpbalancer.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;
import tcpbalancer.protocol.Frame;
import tcpbalancer.protocol.FrameType;
import tcpbalancer.protocol.ResizeMode;
import tcpbalancer.protocol.ResizeRequest;
import tcpbalancer.testing.Topology;
import tcpbalancer.testing.KeptClients;

/**
 * The status page in a real browser: Debian's headless chromium, driven through its chromedriver (.ci/run installs
 * both; the test is skipped without them). It sees three upstreams, one of them going down when its backend stops,
 * and drains another with the page's button; it leaves a screenshot in target/status-page.png for a person.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class StatusPageBrowserTest {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Path SCREENSHOT = Path.of("target", "status-page.png");
  private static final Duration PATIENCE = Duration.ofSeconds(15);
  /** Enough snapshots for the charts to show a line in the screenshot. */
  private static final int CHART_POINTS = 10;
  /** The traffic the charts show: a connection every 100 ms, at most this many. */
  private static final int MAX_TRAFFIC_CONNECTIONS = 600;

  private WebDriver browser;
  private long traffic = -1;

  @AfterEach
  void closeBrowser(Vertx vertx) {
    vertx.cancelTimer(traffic);
    if (browser != null) {
      browser.quit();
    }
  }

  private static WebDriver headlessChromium() {
    Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
      "the status page's browser test needs Debian's chromium and chromium-driver (" + CHROMIUM + ", "
        + CHROMEDRIVER + "): apt-get install chromium chromium-driver, as .ci/run does");
    // The machine has no internet: Selenium Manager must not try to download a browser or a driver.
    System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
    ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
      .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1440,1000");
    ChromeDriverService service = new ChromeDriverService.Builder()
      .usingDriverExecutable(new File(CHROMEDRIVER.toString())).usingAnyFreePort().build();
    return new ChromeDriver(service, options);
  }

  /**
   * Short connections through the proxy, for the rates and the charts: each sends a dry-run resize request (the
   * backend answers without decoding it) of a size that rises and falls, and closes at the answer.
   */
  private long sendTraffic(Vertx vertx, int proxyPort) {
    AtomicInteger sent = new AtomicInteger();
    return vertx.setPeriodic(100, id -> {
      int n = sent.incrementAndGet();
      if (n > MAX_TRAFFIC_CONNECTIONS) {
        vertx.cancelTimer(id);
        return;
      }
      byte[] body = new byte[(int) (6_000 + 4_000 * Math.sin(n / 40.0))];
      ResizeRequest request = new ResizeRequest("status-" + n + ".png", "png", 16, 12, ResizeMode.FIT, true,
        Buffer.buffer(body));
      KeptClients.create(vertx).connect(proxyPort, Topology.HOST).onSuccess(socket -> {
        socket.handler(answer -> socket.close());
        socket.write(new Frame(FrameType.RESIZE_REQUEST, n, request.encode()).encode());
      });
    });
  }

  private static WebElement row(WebDriver browser, String address) {
    return browser.findElement(By.cssSelector("#upstreams tbody tr[data-address='" + address + "']"));
  }

  private static String health(WebDriver browser, String address) {
    return row(browser, address).findElement(By.className("health")).getText();
  }

  private void screenshot() throws IOException {
    Files.createDirectories(SCREENSHOT.getParent());
    Files.write(SCREENSHOT, ((ChromeDriver) browser).getScreenshotAs(OutputType.BYTES));
  }

  @Test
  void thePageShowsTheUpstreamsLiveAndDrainsOneWithItsButton(Vertx vertx) throws IOException {
    browser = headlessChromium();
    Topology.Deployment deployed = new Topology().workers(1).backend("b1").backend("b2").backend("b3")
      .proxy("lb", new JsonObject().put("admin", new JsonObject().put("port", 0)), "b1", "b2", "b3")
      .deploy(vertx).await();
    HostAndPort admin = deployed.address("lb-admin");
    List<String> upstreams = List.of(deployed.upstream("b1"), deployed.upstream("b2"), deployed.upstream("b3"));
    traffic = sendTraffic(vertx, deployed.port("lb"));
    WebDriverWait wait = new WebDriverWait(browser, PATIENCE);

    browser.get("http://" + admin.host() + ":" + admin.port() + "/");
    wait.until(page -> page.findElements(By.cssSelector("#upstreams tbody tr")).size() == 3);
    assertThat(browser.findElement(By.id("proxy")).getText()).isEqualTo("lb");
    for (String upstream : upstreams) {
      wait.until(page -> health(page, upstream).equalsIgnoreCase("up"));
    }

    deployed.undeploy("b2").await();
    wait.until(page -> health(page, upstreams.get(1)).equalsIgnoreCase("down"));
    assertThat(health(browser, upstreams.get(0))).isEqualToIgnoringCase("up");
    wait.until(page -> ((ChromeDriver) page).executeScript("return history.length") instanceof Long points
      && points >= CHART_POINTS);
    screenshot();

    // Last, as it needs the other half of issue 13: POST /api/upstreams/{address}/state.
    String drained = upstreams.get(2);
    row(browser, drained).findElement(By.className("to-drain")).click();
    WebElement message = browser.findElement(By.id("message"));
    wait.until(page -> message.isDisplayed());
    if (message.getText().contains("answered 404")) {
      fail("the page's Drain button got 404 from POST /api/upstreams/" + drained + "/state: this build has no "
        + "upstreams API yet (it comes with the runtime API of issue 13); the page said: " + message.getText());
    }
    assertThat(message.getText()).isEqualTo(drained + " set to drain.");
    HttpResponse<Buffer> answer = WebClient.create(vertx).get(admin.port(), admin.host(), "/api/upstreams").send()
      .await();
    assertThat(answer.statusCode()).as(answer.bodyAsString()).isEqualTo(200);
    JsonObject reported = answer.bodyAsJsonArray().stream().map(JsonObject.class::cast)
      .filter(upstream -> drained.equals(upstream.getString("address"))).findFirst()
      .orElseThrow(() -> new AssertionError("no " + drained + " in " + answer.bodyAsString()));
    assertThat(reported.getString("state")).isEqualTo("drain");
    wait.until(page -> row(page, drained).findElement(By.className("state")).getText().equalsIgnoreCase("drain"));
    screenshot();
  }
}
