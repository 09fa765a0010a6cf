package tcpbalancer.proxy;

import java.net.ConnectException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tcpbalancer.flow.BoundedCounter;

/**
 * What the proxy knows of one upstream right now: health, the operator's {@link AdminState}, and counters. Shared
 * by every proxy instance (each on its own event loop), so every field is atomic, volatile or guarded by this
 * object.
 */
public final class UpstreamState {

  private static final Logger log = LoggerFactory.getLogger(UpstreamState.class);

  /** The upstream {@code address} went up or down at {@code at}, for {@code reason}. */
  public record StateChange(String address, boolean up, String reason, Instant at) {
  }

  /** The operator set the upstream {@code address} to {@code state} at {@code at}. */
  public record AdminStateChange(String address, AdminState state, Instant at) {
  }

  private volatile Upstream upstream;
  private final BoundedCounter active = new BoundedCounter();
  private final AtomicLong total = new AtomicLong();
  private final AtomicLong connectFailures = new AtomicLong();
  private final AtomicLong bytesToUpstream = new AtomicLong();
  private final AtomicLong bytesFromUpstream = new AtomicLong();
  /** Requests that request balancing sent it and it has not answered, all proxy instances together. */
  private final AtomicInteger requestsInFlight = new AtomicInteger();
  // Copy-on-write: with nobody listening, a connection pays one volatile read for each.
  private final List<Consumer<StateChange>> stateListeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<UpstreamState>> activeListeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<AdminStateChange>> adminStateListeners = new CopyOnWriteArrayList<>();
  private volatile AdminState adminState = AdminState.READY;
  private boolean up = true;
  private StateChange lastStateChange;
  private int failuresInARow;
  private int checksPassedInARow;
  private int checksFailedInARow;
  private final SlowStart.Ramp ramp;

  UpstreamState(Upstream upstream) {
    this(upstream, SlowStart.OFF, false);
  }

  /** @param joining whether it joins a running proxy, and so starts slowly */
  UpstreamState(Upstream upstream, SlowStart slowStart, boolean joining) {
    this.upstream = upstream;
    this.ramp = slowStart.ramp(joining);
  }

  public Upstream upstream() {
    return upstream;
  }

  /** A new weight or connection limit for the same address: health and counters stay. */
  void reconfigure(Upstream changed) {
    this.upstream = changed;
  }

  /** Its weight for the strategies now: the configured one, or during a slow start the share of it reached so far. */
  public double effectiveWeight() {
    return ramp.weight(upstream.weight());
  }

  public synchronized boolean isUp() {
    return up;
  }

  /** Whether a new connection may go to it: up, and ready as far as the operator is concerned. */
  boolean takesNewConnections() {
    return adminState == AdminState.READY && isUp();
  }

  public AdminState adminState() {
    return adminState;
  }

  /** Sets the operator's state; open connections are not touched. Announced when it changes. */
  void setAdminState(AdminState state) {
    AdminStateChange change;
    synchronized (this) {
      if (adminState == state) {
        return;
      }
      if (adminState == AdminState.MAINT) {
        ramp.restart(); // back from maintenance: as cold as one that comes back up
      }
      adminState = state;
      change = new AdminStateChange(upstream.address(), state, Instant.now());
    }
    log.warn("Upstream {} is now {} (admin API)", change.address(), state.configName());
    adminStateListeners.forEach(listener -> listener.accept(change));
  }

  /** Calls {@code listener} each time the operator changes the state, on the thread that changed it. */
  public void onAdminStateChange(Consumer<AdminStateChange> listener) {
    adminStateListeners.add(listener);
  }

  public void removeOnAdminStateChange(Consumer<AdminStateChange> listener) {
    adminStateListeners.remove(listener);
  }

  /** The last time the upstream went down or came back, and why; empty while it has stayed up since it was added. */
  public synchronized Optional<StateChange> lastStateChange() {
    return Optional.ofNullable(lastStateChange);
  }

  /**
   * Calls {@code listener} each time the upstream goes down or comes back, on the thread that changed it and
   * outside this object's lock: for whoever reports on the upstreams.
   */
  public void onStateChange(Consumer<StateChange> listener) {
    stateListeners.add(listener);
  }

  public void removeOnStateChange(Consumer<StateChange> listener) {
    stateListeners.remove(listener);
  }

  /**
   * Calls {@code listener} with this upstream each time a connection takes or gives back a slot on it, on the
   * thread that did: {@link #active()} then says how many it has.
   */
  public void onActiveChange(Consumer<UpstreamState> listener) {
    activeListeners.add(listener);
  }

  public void removeOnActiveChange(Consumer<UpstreamState> listener) {
    activeListeners.remove(listener);
  }

  public int active() {
    return active.get();
  }

  public long total() {
    return total.get();
  }

  /** With {@code balance: requests}: its requests not yet answered (its {@link #active()} stays 0 there). */
  public int requestsInFlight() {
    return requestsInFlight.get();
  }

  /** Request balancing sent it {@code count} requests more; negative, it answered them or their connection broke. */
  public void addRequestsInFlight(int count) {
    requestsInFlight.addAndGet(count);
  }

  public long connectFailures() {
    return connectFailures.get();
  }

  public long bytesToUpstream() {
    return bytesToUpstream.get();
  }

  public long bytesFromUpstream() {
    return bytesFromUpstream.get();
  }

  /**
   * Load relative to effective weight, for least-connections and power-of-two-choices: HAProxy's {@code leastconn}
   * key, counting the connection to come, so that an upstream in slow start with no connection yet does not tie
   * with every idle one at zero and take them all.
   */
  double load() {
    return (active.get() + 1) / effectiveWeight();
  }

  /** Takes a connection slot unless the upstream is at its own maximum. */
  boolean tryReserve() {
    if (!active.tryIncrement(upstream.maxConns())) {
      return false;
    }
    activeChanged();
    return true;
  }

  void release() {
    active.decrement();
    activeChanged();
  }

  private void activeChanged() {
    if (!activeListeners.isEmpty()) {
      activeListeners.forEach(listener -> listener.accept(this));
    }
  }

  void addBytesToUpstream(long bytes) {
    bytesToUpstream.addAndGet(bytes);
  }

  void addBytesFromUpstream(long bytes) {
    bytesFromUpstream.addAndGet(bytes);
  }

  /** A client connection reached this upstream. */
  synchronized void connected() {
    total.incrementAndGet();
    failuresInARow = 0;
  }

  /**
   * Passive health: {@code threshold} connect failures in a row mark the upstream down, and a refused connect at
   * once: the host answered that nothing listens on the port (the process died or closed it), which no retry soon
   * after changes, whereas a timeout may be a passing overload.
   */
  void connectFailed(Throwable cause, int threshold) {
    connectFailures.incrementAndGet();
    StateChange change = null;
    synchronized (this) {
      failuresInARow++;
      if (up && isRefused(cause)) {
        change = markDown("connect refused (" + cause.getMessage() + ")");
      } else if (up && failuresInARow >= threshold) {
        change = markDown(failuresInARow + " connect failures in a row (last: " + cause.getMessage() + ")");
      }
    }
    announce(change);
  }

  /**
   * Whether a connect failed because the host refused it (a TCP reset in answer to the SYN). Both of Netty's
   * transports say so in a ConnectException's message only (the JDK's "Connection refused", epoll's errno text).
   */
  static boolean isRefused(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof ConnectException && t.getMessage() != null && t.getMessage().contains("refused")) {
        return true;
      }
    }
    return false;
  }

  /** Active health: {@code rise} passed checks in a row bring a down upstream back. */
  void checkPassed(int rise) {
    StateChange change = null;
    synchronized (this) {
      checksFailedInARow = 0;
      checksPassedInARow++;
      if (!up && checksPassedInARow >= rise) {
        up = true;
        failuresInARow = 0;
        ramp.restart();
        change = changed(checksPassedInARow + " health checks passed in a row");
      }
    }
    announce(change);
  }

  /**
   * Active health: {@code fall} failed checks in a row take an up upstream down, and a refused connect at once (see
   * {@link #connectFailed}); true when this one did.
   */
  boolean checkFailed(Throwable cause, int fall) {
    StateChange change = null;
    synchronized (this) {
      checksPassedInARow = 0;
      checksFailedInARow++;
      if (up && isRefused(cause)) {
        change = markDown("health check connect refused (" + cause.getMessage() + ")");
      } else if (up && checksFailedInARow >= fall) {
        change = markDown(checksFailedInARow + " health checks failed in a row (last: " + cause.getMessage() + ")");
      }
    }
    announce(change);
    return change != null;
  }

  /** Called under this object's lock. */
  private StateChange markDown(String why) {
    up = false;
    checksPassedInARow = 0;
    return changed(why);
  }

  /** Called under this object's lock, once {@code up} is the new state. */
  private StateChange changed(String why) {
    lastStateChange = new StateChange(upstream.address(), up, why, Instant.now());
    return lastStateChange;
  }

  /** Outside the lock: a listener may read this state, and connections asking {@link #isUp} never wait on one. */
  private void announce(StateChange change) {
    if (change == null) {
      return;
    }
    log.warn("Upstream {} is {}: {}", change.address(), change.up() ? "UP" : "DOWN", change.reason());
    stateListeners.forEach(listener -> listener.accept(change));
  }

  @Override
  public String toString() {
    return String.format("%s %s %s active=%d total=%d connectFailures=%d bytesTo=%d bytesFrom=%d",
      upstream.address(), isUp() ? "UP" : "DOWN", adminState.configName(), active(), total(), connectFailures(), bytesToUpstream(),
      bytesFromUpstream());
  }
}
