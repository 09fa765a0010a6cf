package tcpbalancer.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tcpbalancer.testing.JarProcess;

/**
 * bin/tcpbalancer's choice of JVM options, read with {@code --print-command}: it needs no built jar (any file will
 * do as TCPBALANCER_JAR), so these run before packaging. StartScriptIT starts a real proxy through it.
 */
class StartScriptTest {

  static final Path SCRIPT = Path.of("bin/tcpbalancer").toAbsolutePath();

  @TempDir
  Path dir;
  private Path jar;
  private Path cache;

  @BeforeEach
  void fakeJar() throws Exception {
    jar = Files.writeString(dir.resolve("tcpbalancer.jar"), "not run");
    cache = dir.resolve("cds");
  }

  private Map<String, String> env(String... pairs) {
    Map<String, String> env = new HashMap<>(Map.of("TCPBALANCER_JAR", jar.toString(),
      "TCPBALANCER_CDS_DIR", cache.toString()));
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return env;
  }

  /** The command the script prints, one word an element; fails unless the script exits 0. */
  private List<String> command(Map<String, String> env, String... args) throws Exception {
    List<String> script = new java.util.ArrayList<>(List.of(SCRIPT.toString(), "--print-command"));
    script.addAll(List.of(args));
    try (JarProcess process = JarProcess.start("tcpbalancer", script, dir, env, null)) {
      assertThat(process.exitCode()).as(process.output()).isZero();
      return List.of(process.stdout().split("\n"));
    }
  }

  private static List<String> jvmOptions(List<String> command) {
    return command.subList(1, command.indexOf("-jar"));
  }

  @Test
  void proxyGetsASmallHeapTheSerialCollectorAndItsArguments() throws Exception {
    List<String> command = command(env(), "proxy", "-p", "9090", "-u", "127.0.0.1:9091");
    assertThat(jvmOptions(command)).contains("-XX:+UseSerialGC", "-Xmx96m", "-XX:MaxDirectMemorySize=64m",
        "-Xss256k", "-XX:MaxMetaspaceSize=64m", "-XX:ReservedCodeCacheSize=48m", "-XX:+UseCompressedOops",
        "-Xmn6m", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=25",
        "-Dio.netty.allocator.type=pooled", "-Dio.netty.allocator.maxOrder=7")
      .anyMatch(option -> option.startsWith("-Dio.netty.allocator.numDirectArenas="))
      .anyMatch(option -> option.startsWith("-Dvertx.options.eventLoopPoolSize="))
      .noneMatch(option -> option.startsWith("-XX:TieredStopAtLevel")); // the optimising compiler stays
    assertThat(command.subList(command.indexOf("-jar"), command.size()))
      .containsExactly("-jar", jar.toString(), "proxy", "-p", "9090", "-u", "127.0.0.1:9091");
  }

  @Test
  void backendGetsAHeapForItsBudgets() throws Exception {
    assertThat(jvmOptions(command(env(), "backend", "-p", "9091")))
      .contains("-XX:+UseSerialGC", "-Xmx144m", "-XX:MaxDirectMemorySize=64m", "-XX:MaxMetaspaceSize=96m",
        "-XX:MinHeapFreeRatio=70", "-XX:MaxHeapFreeRatio=90", "-XX:TargetSurvivorRatio=90")
      .noneMatch(option -> option.startsWith("-XX:TieredStopAtLevel"));
  }

  @Test
  void clientUsesTheQuickCompilerOnly() throws Exception {
    assertThat(jvmOptions(command(env(), "client", "--proxy", "127.0.0.1:9090")))
      .contains("-XX:+UseSerialGC", "-Xmx96m", "-XX:TieredStopAtLevel=1", "-XX:MaxDirectMemorySize=80m",
        "-Djdk.nio.maxCachedBufferSize=262144");
  }

  @Test
  void aPlanGetsTheOptionsOfTheLargestProgramItDeploys() throws Exception {
    assertThat(jvmOptions(command(env(), "-conf", Path.of("src/main/resources/conf/demo.json").toAbsolutePath()
      .toString()))).contains("-Xmx144m");
    assertThat(jvmOptions(command(env(), "-conf", "{\"verticles\":{\"p\":{\"verticle\":\"proxy\"}}}")))
      .contains("-Xmx96m");
  }

  @Test
  void clusteredGetsRoomForHazelcast() throws Exception {
    List<String> options = jvmOptions(command(env(), "backend", "-p", "9091", "--cluster"));
    // The JVM takes the last of repeated options: the clustered heap is the one that counts.
    assertThat(options.lastIndexOf("-Xmx320m")).isGreaterThan(options.indexOf("-Xmx144m"));
    assertThat(options).anyMatch(option -> option.matches("-XX:DumpLoadedClassList=.*-backend-cluster\\.classes.*"));
  }

  @Test
  void theProxyTrimsTheNativeHeapOnlyOnAJavaThatHasTheOption() throws Exception {
    Path java = Files.createDirectories(dir.resolve("jdk/bin")).resolve("java");
    Files.writeString(java, "#!/bin/sh\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    Map<String, String> env = env("JAVA_HOME", dir.resolve("jdk").toString());
    for (String version : List.of("17.0.9", "17.0.15", "21.0.2", "25")) {
      Files.writeString(dir.resolve("jdk/release"), "IMPLEMENTOR=\"x\"\nJAVA_VERSION=\"" + version + "\"\n");
      assertThat(jvmOptions(command(env, "proxy", "-p", "9090"))).as(version)
        .containsSubsequence("-XX:+UnlockExperimentalVMOptions", "-XX:TrimNativeHeapInterval=5000");
    }
    for (String version : List.of("17.0.8", "17.0.2", "21.0.0", "18.0.2")) {
      Files.writeString(dir.resolve("jdk/release"), "JAVA_VERSION=\"" + version + "\"\n");
      assertThat(jvmOptions(command(env, "proxy", "-p", "9090"))).as(version)
        .noneMatch(option -> option.contains("TrimNativeHeap") || option.contains("Experimental"));
    }
    Files.delete(dir.resolve("jdk/release"));
    assertThat(jvmOptions(command(env, "proxy", "-p", "9090"))).noneMatch(option -> option.contains("TrimNativeHeap"));
  }

  @Test
  void javaOptsComeLastSoTheyWin() throws Exception {
    List<String> options = jvmOptions(command(env("JAVA_OPTS", "-Xmx1g -Dmine=1"), "proxy", "-p", "9090"));
    assertThat(options.subList(options.size() - 2, options.size())).containsExactly("-Xmx1g", "-Dmine=1");
  }

  @Test
  void javaHomeChoosesTheJava() throws Exception {
    Path java = Files.createDirectories(dir.resolve("jdk/bin")).resolve("java");
    Files.writeString(java, "#!/bin/sh\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    assertThat(command(env("JAVA_HOME", dir.resolve("jdk").toString()), "proxy", "-p", "9090").get(0))
      .isEqualTo(java.toString());
  }

  @Test
  void theFirstRunListsItsClassesAndLaterRunsMapTheirArchive() throws Exception {
    List<String> first = jvmOptions(command(env(), "proxy", "-p", "9090"));
    String listing = first.stream().filter(option -> option.startsWith("-XX:DumpLoadedClassList=")).findFirst()
      .orElseThrow();
    Path written = Path.of(listing.substring(listing.indexOf('=') + 1));
    assertThat(written.getParent()).isEqualTo(cache);
    assertThat(written.getFileName().toString()).matches("\\d+-\\d+-proxy\\.classes\\.tmp-\\d+");
    // That run has ended (its pid is gone): the next start keeps its list and maps the archive made from it (which
    // a run that only prints its command does not make).
    Files.writeString(written, "java/lang/Object id: 0\n");
    List<String> next = jvmOptions(command(env(), "proxy", "-p", "9090"));
    Path classes = cache.resolve(written.getFileName().toString().replaceAll("\\.tmp-\\d+$", ""));
    Path archive = cache.resolve(classes.getFileName().toString().replaceAll("\\.classes$", ".jsa"));
    assertThat(classes).isRegularFile();
    assertThat(written).doesNotExist();
    assertThat(next).contains("-XX:SharedArchiveFile=" + archive).noneMatch(o -> o.startsWith("-XX:DumpLoaded"));
    assertThat(jvmOptions(command(env(), "--no-cds", "proxy", "-p", "9090")))
      .noneMatch(option -> option.startsWith("-XX:SharedArchiveFile") || option.startsWith("-XX:DumpLoaded"));
  }

  @Test
  void helpWritesNoArchive() throws Exception {
    assertThat(jvmOptions(command(env(), "proxy", "--help"))).noneMatch(option -> option.contains("Archive") || option.contains("ClassList"));
  }

  @Test
  void aMissingJarIsNamed() throws Exception {
    Map<String, String> env = env("TCPBALANCER_JAR", dir.resolve("nowhere.jar").toString());
    try (JarProcess process = JarProcess.start("tcpbalancer", List.of(SCRIPT.toString(), "proxy"), dir, env, null)) {
      assertThat(process.exitCode()).isEqualTo(2);
      assertThat(process.stderr()).isEqualTo("tcpbalancer: TCPBALANCER_JAR: no such file: " + dir.resolve("nowhere.jar"));
    }
  }
}
