package tcpbalancer.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Test hosts made of Linux network namespaces: each host is a namespace with one veth interface on a shared
 * bridge, an address in a private range that exists only inside the namespaces, and an /etc/hosts naming every
 * host (ip netns exec mounts /etc/netns/NAME/hosts), so services find each other by name as in compose.
 * Needs root and iproute2. Everything it makes carries the prefix, and {@link #close()} removes all of it.
 */
final class NetworkNamespaces implements AutoCloseable {

  private final String prefix;
  private final String subnet;
  private final String bridge;
  private final Map<String, String> addresses = new LinkedHashMap<>();

  /** @param subnet the first three octets of a /24, such as {@code 10.213.47} */
  NetworkNamespaces(String prefix, String subnet) {
    this.prefix = prefix;
    this.subnet = subnet;
    this.bridge = prefix + "br";
  }

  /** Fails with a clear message where network namespaces cannot be made (not root, no iproute2). */
  static void requireSupport() {
    String problem;
    try {
      Process id = new ProcessBuilder("id", "-u").start();
      String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      id.waitFor();
      Process ip = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
      String output = new String(ip.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      problem = !uid.equals("0") ? "it runs as uid " + uid + ", not root"
        : ip.waitFor() != 0 ? "'ip netns list' failed: " + output : null;
    } catch (IOException | InterruptedException e) {
      problem = "cannot run 'ip' (" + e.getMessage() + ")";
    }
    if (problem != null) {
      throw new AssertionError("The multi-host test makes network namespaces, which needs root and iproute2's "
        + "'ip netns' (CI runs as root): " + problem);
    }
  }

  /** The namespace of a host. */
  String namespace(String host) {
    return prefix + host;
  }

  String address(String host) {
    return addresses.get(host);
  }

  /** Declares the hosts and their last octets; call before {@link #create}. */
  NetworkNamespaces host(String name, int lastOctet) {
    addresses.put(name, subnet + "." + lastOctet);
    return this;
  }

  void create() throws IOException, InterruptedException {
    removeLeftovers();
    ip("link", "add", bridge, "type", "bridge");
    ip("link", "set", bridge, "up");
    StringBuilder hosts = new StringBuilder("127.0.0.1 localhost\n");
    addresses.forEach((host, address) -> hosts.append(address).append(' ').append(host).append('\n'));
    int index = 0;
    for (Map.Entry<String, String> host : addresses.entrySet()) {
      String namespace = namespace(host.getKey());
      String veth = prefix + "v" + index++;
      ip("netns", "add", namespace);
      ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", namespace);
      ip("link", "set", veth, "master", bridge, "up");
      ip("-n", namespace, "addr", "add", host.getValue() + "/24", "dev", "eth0");
      ip("-n", namespace, "link", "set", "eth0", "up");
      ip("-n", namespace, "link", "set", "lo", "up");
      Path etc = Path.of("/etc/netns", namespace);
      Files.createDirectories(etc);
      Files.writeString(etc.resolve("hosts"), hosts);
    }
  }

  /** The command that runs {@code command} on {@code host}. */
  List<String> on(String host, List<String> command) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace(host)));
    full.addAll(command);
    return full;
  }

  /** Kills every process of the host at once and removes its namespace: the machine is gone. */
  void kill(String host) throws IOException, InterruptedException {
    killAndDelete(namespace(host));
  }

  /**
   * Freezes the host like a paused VM: every process stopped (SIGSTOP) and its network silent (its interface down),
   * so its sockets stay open but nothing answers, no packet is acknowledged and no new connection is accepted.
   * Stopping the processes alone would leave the kernel accepting connections into their backlogs, which is a
   * paused container or a long GC pause rather than a paused machine: a Hazelcast member that connects to such a
   * peer can have its output thread spin (hazelcast/hazelcast#26473, docs/configuration.md).
   */
  void freeze(String host) throws IOException, InterruptedException {
    signal(host, "STOP");
    ip("-n", namespace(host), "link", "set", "eth0", "down");
  }

  /** Lets a frozen host run again: its network back, then its processes (SIGCONT). */
  void thaw(String host) throws IOException, InterruptedException {
    ip("-n", namespace(host), "link", "set", "eth0", "up");
    signal(host, "CONT");
  }

  private void signal(String host, String signal) throws IOException, InterruptedException {
    for (String pid : run("ip", "netns", "pids", namespace(host)).split("\\s+")) {
      if (!pid.isBlank()) {
        run("kill", "-" + signal, pid);
      }
    }
  }

  private static void killAndDelete(String namespace) throws IOException, InterruptedException {
    List<ProcessHandle> processes = new ArrayList<>();
    for (String pid : run("ip", "netns", "pids", namespace).split("\\s+")) {
      if (!pid.isBlank()) {
        ProcessHandle.of(Long.parseLong(pid)).ifPresent(processes::add);
        run("kill", "-9", pid);
      }
    }
    // The namespace, and its end of the veth pair, go only once its last process is gone.
    for (ProcessHandle process : processes) {
      try {
        process.onExit().get(10, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        throw new IOException("process " + process.pid() + " of " + namespace + " outlived kill -9", e);
      }
    }
    run("ip", "netns", "del", namespace);
  }

  @Override
  public void close() throws IOException, InterruptedException {
    for (String host : addresses.keySet()) {
      if (run("ip", "netns", "list").contains(namespace(host))) {
        kill(host);
      }
      deleteHostsFile(namespace(host));
    }
    deleteLinks();
  }

  /** The bridge, and veth ends whose namespace went before them. */
  private void deleteLinks() throws IOException, InterruptedException {
    for (String line : run("ip", "-o", "link", "show").split("\n")) {
      String[] fields = line.split(":\\s+");
      if (fields.length > 1 && fields[1].startsWith(prefix)) {
        run("ip", "link", "del", fields[1].split("@")[0]);
      }
    }
  }

  /** The host whose namespace has {@code address}, or null. */
  String hostAt(String address) {
    return addresses.entrySet().stream().filter(e -> e.getValue().equals(address)).map(Map.Entry::getKey)
      .findFirst().orElse(null);
  }

  /** Removes what an earlier run that died may have left. */
  private void removeLeftovers() throws IOException, InterruptedException {
    for (String line : run("ip", "netns", "list").split("\n")) {
      String namespace = line.split(" ")[0];
      if (namespace.startsWith(prefix)) {
        killAndDelete(namespace);
        deleteHostsFile(namespace);
      }
    }
    deleteLinks();
  }

  private static void deleteHostsFile(String namespace) throws IOException {
    Path etc = Path.of("/etc/netns", namespace);
    Files.deleteIfExists(etc.resolve("hosts"));
    Files.deleteIfExists(etc);
  }

  private static void ip(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("ip"));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + output.trim());
    }
  }

  /** Runs a command and returns its output; a failure is not an error (used for best-effort cleanup). */
  private static String run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    process.waitFor(30, TimeUnit.SECONDS);
    return output;
  }
}
