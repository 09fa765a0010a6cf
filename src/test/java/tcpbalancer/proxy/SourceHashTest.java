package tcpbalancer.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * {@code strategy: source} keeps a client's IP address on one upstream, and a change of the upstream list moves
 * only the share of clients it must: the consistent-hashing property, measured over 10,000 addresses.
 */
class SourceHashTest {

  private static final int CLIENTS = 10_000;
  /**
   * How far the share moved may be from its expected value. Over 10,000 clients one upstream's share has a
   * standard deviation of about 0.4 percentage points; 2 points is five of them.
   */
  private static final double TOLERANCE = 0.02;

  private final List<SocketAddress> clients = IntStream.range(0, CLIENTS)
    .mapToObj(i -> SocketAddress.inetSocketAddress(40_000 + i % 1000, "10." + (i >> 16 & 255) + "." + (i >> 8 & 255)
      + "." + (i & 255)))
    .toList();

  @Test
  void aClientAddressAlwaysGoesToTheSameUpstreamWhateverItsPort() {
    UpstreamGroup group = group(5);
    for (int i = 0; i < 200; i++) {
      SocketAddress client = clients.get(i);
      UpstreamState first = chooseAndRelease(group, client);
      for (int port : new int[] {1025, 33_000, 65_000}) {
        assertThat(chooseAndRelease(group, SocketAddress.inetSocketAddress(port, client.host()))).isSameAs(first);
      }
    }
  }

  @Test
  void theClientsSpreadOverTheUpstreamsByWeight() {
    UpstreamGroup group = new UpstreamGroup("p", Strategy.SOURCE.create(), List.of(
      new Upstream("127.0.0.1", 7000, 1, 0), new Upstream("127.0.0.1", 7001, 1, 0),
      new Upstream("127.0.0.1", 7002, 2, 0)));
    Map<String, String> placed = placements(group);
    Map<String, Integer> counts = new HashMap<>();
    placed.values().forEach(address -> counts.merge(address, 1, Integer::sum));
    assertThat(counts.get("127.0.0.1:7000") / (double) CLIENTS).isCloseTo(0.25, within(TOLERANCE));
    assertThat(counts.get("127.0.0.1:7001") / (double) CLIENTS).isCloseTo(0.25, within(TOLERANCE));
    assertThat(counts.get("127.0.0.1:7002") / (double) CLIENTS).isCloseTo(0.5, within(TOLERANCE));
  }

  @Test
  void removingOneOfFiveMovesOnlyItsClientsAboutAFifth() {
    UpstreamGroup group = group(5);
    Map<String, String> before = placements(group);
    String removed = "127.0.0.1:7002";
    group.update(group.upstreams().stream().map(UpstreamState::upstream).filter(u -> !u.address().equals(removed))
      .toList());
    Map<String, String> after = placements(group);

    List<String> moved = movedClients(before, after);
    assertThat(moved).as("only the removed upstream's clients move").allMatch(c -> before.get(c).equals(removed));
    assertThat(before.values().stream().filter(removed::equals).count()).isEqualTo(moved.size());
    assertThat(moved.size() / (double) CLIENTS).isCloseTo(1 / 5.0, within(TOLERANCE));
  }

  @Test
  void addingASixthMovesAboutASixthAllToIt() {
    UpstreamGroup group = group(5);
    Map<String, String> before = placements(group);
    List<Upstream> six = new ArrayList<>(group.upstreams().stream().map(UpstreamState::upstream).toList());
    six.add(new Upstream("127.0.0.1", 7005, 1, 0));
    group.update(six);
    Map<String, String> after = placements(group);

    List<String> moved = movedClients(before, after);
    assertThat(moved).as("clients move only to the new upstream").allMatch(c -> after.get(c).equals("127.0.0.1:7005"));
    assertThat(moved.size() / (double) CLIENTS).isCloseTo(1 / 6.0, within(TOLERANCE));
  }

  @Test
  void anUpstreamThatIsDownPassesItsClientsToTheirNextChoiceOnly() {
    UpstreamGroup group = group(4);
    Map<String, String> before = placements(group);
    UpstreamState down = group.upstreams().get(1);
    down.checkFailed(new RuntimeException("no answer"), 1);
    Map<String, String> whileDown = placements(group);
    assertThat(movedClients(before, whileDown)).isNotEmpty()
      .allMatch(client -> before.get(client).equals(down.upstream().address()));

    down.checkPassed(1);
    assertThat(placements(group)).as("back up, it has its clients back").isEqualTo(before);
  }

  @Test
  void anUpstreamAtItsLimitPassesTheClientToItsNextChoice() {
    UpstreamGroup group = new UpstreamGroup("p", Strategy.SOURCE.create(), List.of(
      new Upstream("127.0.0.1", 7000, 1, 0), new Upstream("127.0.0.1", 7001, 1, 1)));
    UpstreamState small = group.upstreams().get(1);
    SocketAddress client = clients.stream().filter(c -> chooseAndRelease(group, c) == small).findFirst()
      .orElseThrow();
    assertThat(group.reserve(Set.of(), client)).as("its first connection").isSameAs(small);
    assertThat(group.reserve(Set.of(), client)).as("at its maxConns of 1: the next choice")
      .isSameAs(group.upstreams().get(0));
  }

  private static UpstreamGroup group(int size) {
    List<Upstream> upstreams = IntStream.range(0, size).mapToObj(i -> new Upstream("127.0.0.1", 7000 + i, 1, 0))
      .toList();
    return new UpstreamGroup("p", Strategy.SOURCE.create(), upstreams);
  }

  private Map<String, String> placements(UpstreamGroup group) {
    Map<String, String> placed = new HashMap<>();
    for (SocketAddress client : clients) {
      placed.put(client.host(), chooseAndRelease(group, client).upstream().address());
    }
    return placed;
  }

  private static List<String> movedClients(Map<String, String> before, Map<String, String> after) {
    return before.keySet().stream().filter(client -> !before.get(client).equals(after.get(client))).toList();
  }

  private static UpstreamState chooseAndRelease(UpstreamGroup group, SocketAddress client) {
    UpstreamState chosen = group.reserve(Set.of(), client);
    chosen.release();
    return chosen;
  }
}
