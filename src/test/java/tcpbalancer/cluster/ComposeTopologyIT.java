package tcpbalancer.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;
import tcpbalancer.testing.JarProcess;

/**
 * The docker-compose.yml topology as separate hosts, without Docker: each service runs in a network namespace of
 * its own, with the jar, command and environment that docker-compose.yml gives it, and finds the others by name.
 * It proves the cluster works: the proxy discovers the backends with no upstream list, the client's images are
 * all resized with answers from every backend, a backend host killed mid-run loses no image and gets no new
 * connection later than 2 s after the kill (measured from the proxy's access log under a stream of connections
 * from netcat), a backend started later receives traffic, and a frozen backend host (its processes stopped and its
 * network silent, like a paused VM) that is Hazelcast's master (it starts first) is dropped without the others
 * dropping one another, merges back when it runs again and gets traffic.
 */
@Timeout(value = 10, unit = java.util.concurrent.TimeUnit.MINUTES)
class ComposeTopologyIT {

  /** What this test sets where compose would read the caller's environment. */
  private static final Map<String, String> COMPOSE_ENVIRONMENT = Map.of("TCPBALANCER_ADMIN_TOKEN", "it-admin-token");
  /** The longest a killed backend may go on receiving new connections (issue 14). */
  private static final long DEAD_BACKEND_MILLIS = 2_000;
  /** The proxy's access log, one JSON object a line (AccessEntry), as the proxy's logback pattern prints it. */
  private static final Pattern ACCESS_LINE = Pattern.compile("(\\{\"start\".*\\})$");
  /** The proxy as compose runs it, with its access log on: it says where each connection went. */
  private static final List<String> PROXY_ACCESS_LOG = List.of("--access-log", "--access-log-format", "json");
  /** Log lines of Hazelcast and of our cluster classes that explain a change of membership. */
  private static final Pattern CLUSTER_EVENT = Pattern.compile(
    "Members \\{|^\\s+Member \\[|[Ss]uspect|[Mm]astership|[Mm]erg|announced|left;|now balances|Cannot read");
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{(\\w+)(?:(:[?-])([^}]*))?}");

  private static final Duration START = Duration.ofSeconds(90);
  private static final Path JAR = Path.of("target/tcpbalancer.jar").toAbsolutePath();
  private static final Path SAMPLES = Path.of("samples").toAbsolutePath();
  /** Each service's output, kept after the run for diagnosis. */
  private static final Path LOGS = Path.of("target/it-logs").toAbsolutePath();

  @TempDir
  Path dir;

  private final List<JarProcess> processes = new ArrayList<>();

  @Test
  void theComposeTopologyBalancesDiscoversAndSurvivesAHostDying() throws Exception {
    NetworkNamespaces.requireSupport();
    Files.createDirectories(LOGS);
    assertThat(JAR).as("the jar is built before integration tests").isRegularFile();
    Map<String, Service> compose = readCompose();
    assertThat(compose).containsKeys("proxy", "backend-1", "backend-2", "backend-3", "client");

    NetworkNamespaces hosts = new NetworkNamespaces("tbit-", "10.213.47")
      .host("proxy", 10).host("backend-1", 11).host("backend-2", 12).host("backend-3", 13).host("backend-4", 14)
      .host("client", 20);
    try (hosts) {
      hosts.create();
      // backend-3 starts first, alone, so that it is the cluster's oldest member (Hazelcast's master) when it is
      // frozen below: the survivors must then elect a new master among themselves, the case that split them.
      Map<String, JarProcess> backends = new LinkedHashMap<>();
      backends.put("backend-3", start(hosts, "backend-3", compose.get("backend-3")));
      backends.get("backend-3").awaitLine("Backend backend-3 listening on", 0, START);
      JarProcess proxy = start(hosts, "proxy", withAccessLog(compose.get("proxy")));
      for (String backend : List.of("backend-1", "backend-2")) {
        backends.put(backend, start(hosts, backend, compose.get(backend)));
      }

      // The cluster forms and the proxy, given no upstream, discovers all three backends.
      awaitUpstreams(hosts, proxy, 0, START, "backend-1", "backend-2", "backend-3");

      // The client as compose runs it: every image resized, answers from every backend.
      Path firstOutput = dir.resolve("out-1");
      String report = runClient(hosts, compose.get("client"), firstOutput, List.of());
      long samples = countImages(SAMPLES);
      assertThat(report).contains(samples + " sent, " + samples + " resized, 0 failed")
        .contains("backend-1").contains("backend-2").contains("backend-3");
      assertThat(countImages(firstOutput)).isEqualTo(samples);

      // A longer run; backend-2's host dies in the middle of it.
      Path secondOutput = dir.resolve("out-2");
      int proxyLogBeforeRun = proxy.lineCount();
      JarProcess client = startClient(hosts, compose.get("client"), secondOutput,
        List.of("--times", "6"));
      // The proxy (at --loglevel 1) logs each connection it relays: the run is under way.
      proxy.awaitLine("\\S+ -> \\S+:\\d+$", proxyLogBeforeRun, START);
      // Meanwhile netcat opens short connections one after the other, for at most 3,000 connections or 15 s: new
      // connections keep coming to the proxy all through the kill.
      JarProcess netcat = JarProcess.start("netcat", hosts.on("client", List.of("timeout", "15", "bash", "-c",
          "for i in $(seq 3000); do nc -N -w 2 proxy 9090 </dev/null; done")), null, Map.of(),
        LOGS.resolve("netcat.log"));
      processes.add(netcat);
      int proxyLogBeforeKill = proxy.lineCount();
      proxy.awaitLine("\"client\":\"[^\"]*" + Pattern.quote(hosts.address("client")), proxyLogBeforeKill,
        START);
      long killedAtMillis = System.currentTimeMillis();
      long killedAt = System.nanoTime();
      hosts.kill("backend-2");
      awaitUpstreams(hosts, proxy, proxyLogBeforeKill, Duration.ofSeconds(20), "backend-1", "backend-3");
      double secondsToDrop = (System.nanoTime() - killedAt) / 1e9;
      System.out.printf("ComposeTopologyIT: the proxy dropped the killed backend-2 from its list %.2f s after the "
        + "kill%n", secondsToDrop);
      assertThat(secondsToDrop).as("the proxy drops the dead backend from its list within seconds").isLessThan(15);
      // 124: timeout ended the loop; 0: it made its 3,000 connections (127 would be a missing nc).
      assertThat(netcat.exitCode(Duration.ofSeconds(30))).as("netcat's loop: " + netcat.output()).isIn(0, 124);
      assertDeadBackendGotNoLateConnection(proxy.output(), hosts, "backend-2", killedAtMillis);
      assertThat(client.exitCode(START)).as(client.output()).isZero();
      assertThat(client.output()).contains((6 * samples) + " sent, " + (6 * samples) + " resized, 0 failed");
      // Requests the others had handed to the dead host's workers were resized elsewhere once it was dropped.
      assertThat(maxLatencyMillis(client.output())).as(client.output()).isLessThan(15_000);

      // A fourth backend joins later and gets traffic.
      int proxyLogBeforeJoin = proxy.lineCount();
      backends.put("backend-4",
        start(hosts, "backend-4", renamed(compose.get("backend-1"), "backend-1", "backend-4")));
      awaitUpstreams(hosts, proxy, proxyLogBeforeJoin, START, "backend-1", "backend-3", "backend-4");
      String dryRun = runClient(hosts, compose.get("client"), dir.resolve("out-3"),
        List.of("--dry-run", "--times", "4"));
      assertThat(dryRun).contains("backend-4");

      // backend-3's host freezes, like a paused VM (NetworkNamespaces.freeze): the cluster drops it, and work goes on
      // without it.
      JarProcess backend3 = backends.get("backend-3");
      int proxyLogBeforeFreeze = proxy.lineCount();
      Map<String, Integer> survivorLogsBeforeFreeze = Map.of("backend-1", backends.get("backend-1").lineCount(),
        "backend-4", backends.get("backend-4").lineCount());
      long frozenAt = System.nanoTime();
      hosts.freeze("backend-3");
      try {
        awaitUpstreams(hosts, proxy, proxyLogBeforeFreeze, Duration.ofSeconds(30), "backend-1", "backend-4");
        System.out.printf("ComposeTopologyIT: the proxy dropped the frozen backend-3 (the master) from its list %.2f s "
          + "after the freeze%n", (System.nanoTime() - frozenAt) / 1e9);
        // A run long enough (some 15 s) that a survivor the others stopped hearing from after the change of master
        // would be dropped before its end (the heartbeat timeout is 10 s).
        String whileFrozen = runClient(hosts, compose.get("client"), dir.resolve("out-4"), List.of("--times", "12"));
        assertThat(whileFrozen).contains((12 * samples) + " sent, " + (12 * samples) + " resized, 0 failed");
        // The survivors chose a new master among themselves and kept one another: every list the proxy went through
        // while backend-3 was frozen, from dropping it to the end of the client's run, held backend-1 and backend-4.
        List<String> proxyLines = List.of(proxy.output().split("\n"));
        List<String> lists = proxyLines.subList(proxyLogBeforeFreeze, proxyLines.size()).stream()
          .filter(line -> line.contains("now balances over")).toList();
        JarProcess proxyWhileFrozen = proxy;
        assertThat(lists).as(() -> "the proxy's lists while the master was frozen; what the cluster did meanwhile:\n"
            + clusterEvents("proxy", proxyWhileFrozen, proxyLogBeforeFreeze)
            + clusterEvents("backend-1", backends.get("backend-1"), survivorLogsBeforeFreeze.get("backend-1"))
            + clusterEvents("backend-4", backends.get("backend-4"), survivorLogsBeforeFreeze.get("backend-4")))
          .isNotEmpty()
          .allMatch(line -> line.contains("backend-1:9091") && line.contains(hosts.address("backend-4") + ":9091"));
        System.out.printf("ComposeTopologyIT: while backend-3 was frozen the proxy's list held backend-1 and backend-4 "
          + "throughout (%d lists, %.1f s)%n", lists.size(), (System.nanoTime() - frozenAt) / 1e9);
      } finally {
        hosts.thaw("backend-3");
      }
      // Running again, it finds itself alone, merges back into the cluster, announces itself again, and the
      // proxy balances over it again. The merge check runs every 5 s, but probing the dead backend-2's ports
      // first takes up to 15 s of each round.
      int proxyLogBeforeThaw = proxy.lineCount();
      backend3.awaitLine("Backend backend-3 announced again to the cluster after a merge", 0, Duration.ofSeconds(90));
      awaitUpstreams(hosts, proxy, proxyLogBeforeThaw, Duration.ofSeconds(30), "backend-1", "backend-3", "backend-4");
      String afterMerge = runClient(hosts, compose.get("client"), dir.resolve("out-5"), List.of("--times", "2"));
      assertThat(afterMerge).contains((2 * samples) + " sent, " + (2 * samples) + " resized, 0 failed")
        .contains("backend-3");

      // The proxy is killed (kill -9) at about a third of a run and started again on the same port: the client
      // reconnects with backoff and loses no image.
      Path restartOutput = dir.resolve("out-6");
      JarProcess longRun = startClient(hosts, compose.get("client"), restartOutput, List.of("--times", "60"));
      int percent = awaitProgress(longRun, 25);
      assertThat(percent).as("the proxy dies in the middle of the run").isLessThan(100);
      proxy.close();
      proxy.exitCode(Duration.ofSeconds(10));
      proxy = start(hosts, "proxy", withAccessLog(compose.get("proxy")));
      assertThat(longRun.exitCode(START)).as(longRun.output()).isZero();
      assertThat(longRun.output()).contains((60 * samples) + " sent, " + (60 * samples) + " resized, 0 failed");
      assertThat(countImages(restartOutput)).isEqualTo(samples);
    } finally {
      processes.forEach(JarProcess::close);
    }
  }

  /**
   * From the proxy's access log: no connection accepted later than {@link #DEAD_BACKEND_MILLIS} after the kill went
   * to the dead backend, nor waited on it (a connect that times out before a retry elsewhere shows as a long
   * {@code connect_ms}); and connections did come after that time, so the check is not empty.
   */
  private static void assertDeadBackendGotNoLateConnection(String proxyOutput, NetworkNamespaces hosts, String dead,
                                                           long killedAtMillis) {
    long lastToDead = Long.MIN_VALUE;
    long lateConnections = 0;
    long slowConnectsLate = 0;
    for (String line : proxyOutput.split("\n")) {
      Matcher access = ACCESS_LINE.matcher(line);
      if (!access.find()) {
        continue;
      }
      JsonObject entry = new JsonObject(access.group(1));
      long sinceKill = Instant.parse(entry.getString("start")).toEpochMilli() - killedAtMillis;
      String upstream = entry.getString("upstream");
      String upstreamHost = upstream == null ? "" : upstream.substring(0, upstream.lastIndexOf(':'));
      if (upstreamHost.equals(dead) || upstreamHost.equals(hosts.address(dead))) {
        lastToDead = Math.max(lastToDead, sinceKill);
      } else if (sinceKill > DEAD_BACKEND_MILLIS) {
        lateConnections++;
        if (entry.getLong("connect_ms", 0L) >= 1000) {
          slowConnectsLate++;
        }
      }
    }
    System.out.printf("ComposeTopologyIT: the last connection to the killed %s came %d ms after the kill; %d "
      + "connections came later than %d ms%n", dead, lastToDead, lateConnections, DEAD_BACKEND_MILLIS);
    assertThat(lastToDead).as("ms from the kill to the last connection routed to " + dead)
      .isLessThanOrEqualTo(DEAD_BACKEND_MILLIS);
    assertThat(lateConnections).as("connections after the first %d ms went to the others", DEAD_BACKEND_MILLIS)
      .isPositive();
    assertThat(slowConnectsLate).as("late connections that waited on a connect to the dead backend").isZero();
  }

  private static Service withAccessLog(Service proxy) {
    List<String> command = new ArrayList<>(proxy.command());
    command.addAll(PROXY_ACCESS_LOG);
    return new Service(command, proxy.environment());
  }

  /** What docker-compose.yml says of a service: its command and environment. */
  record Service(List<String> command, Map<String, String> environment) {
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Service> readCompose() throws IOException {
    try (Reader reader = Files.newBufferedReader(Path.of("docker-compose.yml"))) {
      Map<String, Object> root = new Yaml().load(reader);
      Map<String, Service> services = new LinkedHashMap<>();
      ((Map<String, Map<String, Object>>) root.get("services")).forEach((name, service) -> {
        Map<String, String> env = new LinkedHashMap<>();
        Object environment = service.get("environment");
        if (environment instanceof Map<?, ?> map) {
          map.forEach((key, value) -> env.put(String.valueOf(key), interpolate(String.valueOf(value))));
        }
        services.put(name, new Service(List.copyOf((List<String>) service.get("command")), env));
      });
      return services;
    }
  }

  /**
   * Compose's variable substitution, as far as docker-compose.yml uses it: {@code ${NAME}}, {@code ${NAME:-default}}
   * and {@code ${NAME:?error}} (which fails the test when NAME is not set, as compose refuses to start).
   */
  static String interpolate(String value) {
    Matcher matcher = VARIABLE.matcher(value);
    StringBuilder result = new StringBuilder();
    while (matcher.find()) {
      String set = COMPOSE_ENVIRONMENT.get(matcher.group(1));
      if (set == null && ":?".equals(matcher.group(2))) {
        throw new AssertionError("docker-compose.yml needs " + matcher.group(1) + ": " + matcher.group(3));
      }
      String replacement = set != null ? set : ":-".equals(matcher.group(2)) ? matcher.group(3) : "";
      matcher.appendReplacement(result, Matcher.quoteReplacement(replacement));
    }
    return matcher.appendTail(result).toString();
  }

  private JarProcess start(NetworkNamespaces hosts, String host, Service service) throws IOException {
    List<String> command = new ArrayList<>(List.of("java", "-jar", JAR.toString()));
    command.addAll(service.command());
    String name = host + "-" + processes.size();
    JarProcess process = JarProcess.start(name, hosts.on(host, command), null, service.environment(),
      LOGS.resolve(name + ".log"));
    processes.add(process);
    return process;
  }

  /** The client service with its container paths mapped: the image's samples, and the ./samples/resized volume. */
  private JarProcess startClient(NetworkNamespaces hosts, Service client, Path output, List<String> extra)
    throws IOException {
    List<String> command = new ArrayList<>();
    for (String arg : client.command()) {
      command.add(arg.equals("/app/samples") ? SAMPLES.toString() : arg.equals("/out") ? output.toString() : arg);
    }
    command.addAll(extra);
    return start(hosts, "client", new Service(command, client.environment()));
  }

  private String runClient(NetworkNamespaces hosts, Service client, Path output, List<String> extra)
    throws IOException, InterruptedException {
    JarProcess process = startClient(hosts, client, output, extra);
    assertThat(process.exitCode(START)).as(process.output()).isZero();
    return process.output();
  }

  private static Service renamed(Service service, String from, String to) {
    return new Service(service.command().stream().map(arg -> arg.equals(from) ? to : arg).toList(),
      service.environment());
  }

  /**
   * Waits until the proxy logs that it balances over exactly {@code backends}, in a line after line {@code from}.
   * It names each upstream by its cluster member's host: a name for the seed members of compose, an address for
   * the others. Returns the index of that line.
   */
  private static int awaitUpstreams(NetworkNamespaces hosts, JarProcess proxy, int from, Duration limit,
                                    String... backends) throws InterruptedException {
    Set<String> wanted = Set.of(backends);
    long deadline = System.nanoTime() + limit.toNanos();
    Set<String> current = Set.of();
    while (!current.equals(wanted)) {
      Duration left = Duration.ofNanos(deadline - System.nanoTime());
      if (left.isNegative()) {
        throw new AssertionError("the proxy did not balance over " + wanted + " within " + limit + " (last: "
          + current + "):\n" + proxy.output());
      }
      JarProcess.Line line = proxy.awaitLine("now balances over (.*)$", from, left);
      from = line.index() + 1;
      current = new HashSet<>();
      String listed = line.match().group(1);
      if (listed.equals("no upstream")) { // UpstreamGroup's words for an empty list: a moment between members
        continue;
      }
      for (String upstream : listed.split(", ")) {
        String host = upstream.substring(0, upstream.lastIndexOf(':'));
        current.add(hosts.hostAt(host) != null ? hosts.hostAt(host) : host);
      }
    }
    return from - 1;
  }

  /** The lines of a service's log from line {@code from} on that say what its cluster member saw and did. */
  private static String clusterEvents(String service, JarProcess process, int from) {
    List<String> lines = List.of(process.output().split("\n"));
    return lines.subList(Math.min(from, lines.size()), lines.size()).stream()
      .filter(line -> CLUSTER_EVENT.matcher(line).find())
      .map(line -> service + ": " + line + "\n")
      .collect(Collectors.joining());
  }

  /** Waits for the client's progress line that reports at least {@code percent}; returns the share it reports. */
  private static int awaitProgress(JarProcess client, int percent) throws InterruptedException {
    int from = 0;
    while (true) {
      JarProcess.Line line = client.awaitLine("progress: \\d+/\\d+ images \\((\\d+)%\\)", from, START);
      int reported = Integer.parseInt(line.match().group(1));
      if (reported >= percent) {
        return reported;
      }
      from = line.index() + 1;
    }
  }

  /** The longest request latency of a client report. */
  private static double maxLatencyMillis(String report) {
    Matcher max = Pattern.compile("latency .* max ([0-9.]+) ms").matcher(report);
    assertThat(max.find()).as(report).isTrue();
    return Double.parseDouble(max.group(1));
  }

  private static long countImages(Path folder) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      return files.filter(f -> f.toString().matches(".*\\.(jpg|png)")).count();
    }
  }
}
