package tcpbalancer.proxy;

import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upstreams of one proxy and their state, shared by all of its instances through its {@link ProxyRuntime}.
 * The list can be replaced while connections run (hot reload, cluster discovery): an upstream that stays keeps
 * its state and counters; a removed one gets no new connections, and its open ones finish normally. An upstream
 * added to a running proxy starts slowly ({@link SlowStart}), as one that comes back up does.
 */
public final class UpstreamGroup {

  private static final Logger log = LoggerFactory.getLogger(UpstreamGroup.class);

  private final String name;
  private final BalancingStrategy strategy;
  private final SlowStart slowStart;
  private final List<Consumer<List<UpstreamState>>> listeners = new CopyOnWriteArrayList<>();
  private volatile List<UpstreamState> upstreams;

  UpstreamGroup(String name, BalancingStrategy strategy, List<Upstream> upstreams) {
    this(name, strategy, SlowStart.OFF, upstreams);
  }

  /** The upstreams it starts with have their full weight: slow start is for those that join later. */
  UpstreamGroup(String name, BalancingStrategy strategy, SlowStart slowStart, List<Upstream> upstreams) {
    this.name = name;
    this.strategy = strategy;
    this.slowStart = slowStart;
    this.upstreams = upstreams.stream().map(upstream -> new UpstreamState(upstream, slowStart, false)).toList();
  }

  public String name() {
    return name;
  }

  /** Every upstream of the current list, healthy or not. */
  public List<UpstreamState> upstreams() {
    return upstreams;
  }

  /**
   * Calls {@code listener} with the new list each time the list changes (a reload, a discovery), on the thread
   * that changed it: for whoever reports on the upstreams.
   */
  public void onChange(Consumer<List<UpstreamState>> listener) {
    listeners.add(listener);
  }

  public void removeOnChange(Consumer<List<UpstreamState>> listener) {
    listeners.remove(listener);
  }

  /**
   * Picks an upstream for a new connection from {@code client} (null if unknown) and reserves a slot on it, or
   * returns null if none can take one.
   */
  UpstreamState reserve(Set<UpstreamState> alreadyTried, SocketAddress client) {
    List<UpstreamState> candidates = new ArrayList<>();
    for (UpstreamState upstream : upstreams) {
      if (upstream.takesNewConnections() && !alreadyTried.contains(upstream)) {
        candidates.add(upstream);
      }
    }
    while (!candidates.isEmpty()) {
      UpstreamState chosen = strategy.choose(candidates, client);
      if (chosen.tryReserve()) {
        return chosen;
      }
      candidates.remove(chosen); // at its own maximum
    }
    return null;
  }

  /** The upstream of the current list at {@code host} and {@code port}, if there is one. */
  public Optional<UpstreamState> find(String host, int port) {
    return upstreams.stream()
      .filter(state -> state.upstream().port() == port && state.upstream().host().equalsIgnoreCase(host))
      .findFirst();
  }

  /**
   * Replaces the settings of the upstream at {@code changed}'s address, or adds it when there is none; the
   * admin API's changes, which last until a reload or a discovery replaces the list.
   */
  synchronized void put(Upstream changed) {
    List<Upstream> next = new ArrayList<>();
    boolean found = false;
    for (UpstreamState state : upstreams) {
      boolean same = state.upstream().address().equals(changed.address());
      next.add(same ? changed : state.upstream());
      found |= same;
    }
    if (!found) {
      next.add(changed);
    }
    update(next);
  }

  /** Removes {@code removed} from the list: it takes no new connections; open ones finish. */
  synchronized void remove(UpstreamState removed) {
    update(upstreams.stream().filter(state -> state != removed).map(UpstreamState::upstream).toList());
  }

  /** Replaces the upstream list; upstreams that stay keep their state. Safe to call from several instances. */
  synchronized void update(List<Upstream> newList) {
    Map<String, UpstreamState> current = new HashMap<>();
    for (UpstreamState state : upstreams) {
      current.put(state.upstream().address(), state);
    }
    List<UpstreamState> next = new ArrayList<>();
    boolean changed = newList.size() != upstreams.size();
    for (Upstream upstream : newList) {
      UpstreamState kept = current.get(upstream.address());
      if (kept != null) {
        if (!kept.upstream().equals(upstream)) {
          kept.reconfigure(upstream);
          changed = true;
        }
        next.add(kept);
      } else {
        next.add(new UpstreamState(upstream, slowStart, true));
        changed = true;
      }
    }
    if (changed) {
      upstreams = List.copyOf(next);
      log.info("Proxy {} now balances over {}", name, newList.isEmpty() ? "no upstream"
        : newList.stream().map(Upstream::address).collect(Collectors.joining(", ")));
      listeners.forEach(listener -> listener.accept(upstreams));
    }
  }
}
